"""NINCO (Bitterwolf, Mueller & Hein, ICML 2023): 64 OOD classes, 5,879 images, each checked to
hold no ImageNet-1K object, paired with the user's in-distribution ImageNet folder.

Layout, from github j-cb/NINCO (readme.md, ``data/paths_config.py``, ``datasets.py`` and the
image list ``data/NINCO_OOD_classes.csv``, columns ``image_location,class``): the download
``NINCO_all.tar.gz`` (zenodo record 8013288) extracts to a folder holding
``NINCO_OOD_classes/``, ``NINCO_OOD_unit_tests/`` and ``NINCO_popular_datasets_subsamples/``;
each image is ``NINCO_OOD_classes/<class>/<class>_<nnn>_<source id>.<ext>`` (.jpg, .jpeg,
.JPEG, .JPG, .png, one .gif), the folder being the ``class`` column. The per-class counts below
are those of that image list (5,879 rows, 64 classes, as the readme states). Not verified: the
tarball itself (not downloadable here); the list is the authors' own record of it.

``--data ninco:IN::OUT``: OUT the extracted folder or its ``NINCO_OOD_classes`` folder. The
unit tests and the cleaned popular-data-set subsamples (``NINCO_popular_datasets_subsamples/
<set>/``: iNaturalist, Places, Textures, ImageNet-O, ...) are other OOD sets: pass one of their
folders as OUT of ``ood_pair``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from vlmtrust.data.benchmarks.image_folder import Image, class_images
from vlmtrust.data.benchmarks.layout import Layout, short_copy
from vlmtrust.data.benchmarks.ood_pair import OodPair

FOLDER = "NINCO_OOD_classes"
REPOSITORY = "https://github.com/j-cb/NINCO"
#: images per OOD class, from data/NINCO_OOD_classes.csv of the authors' repository
PUBLISHED = {
    "Caracal caracal caracal": 100,
    "amphiuma_means": 176,
    "aphanizomenon_flosaquae": 46,
    "araneus_gemma": 100,
    "arctocephalus_galapagoensis": 91,
    "batrachoseps_attenuatus": 100,
    "chicken_quesadilla": 100,
    "cirsium_pitcheri": 100,
    "creme_brulee": 99,
    "ctenolepisma_longicaudata": 100,
    "cup_cakes": 80,
    "darlingtonia_californica": 100,
    "dendrolagus_lumholtzi": 100,
    "donuts": 100,
    "epithelantha_micromeris": 100,
    "erysimum_franciscanum": 100,
    "f_field_road": 96,
    "f_forest_path": 100,
    "ferocactus_pilosus": 100,
    "haemulon_sciurus": 96,
    "hippopus_hippopus": 31,
    "lasionycteris_noctivagans": 99,
    "lathyrus_odoratus": 100,
    "lepomis_auritus": 100,
    "leptoglossus_phyllopus": 100,
    "microcystis_wesenbergii": 33,
    "octopus_bimaculoides": 100,
    "octopus_rubescens": 100,
    "ozotoceros_bezoarticus": 82,
    "platycephalus_fuscus": 100,
    "polistes_dominula": 100,
    "pseudorca_crassidens": 67,
    "s_sky": 68,
    "sarpa_salpa": 100,
    "sarracenia_alata": 100,
    "sepia_apama": 99,
    "sepia_officinalis": 100,
    "sepioteuthis_australis": 99,
    "spaghetti_bolognese": 67,
    "streptopus_lanceolatus": 100,
    "tapirus_bairdii": 100,
    "triturus_marmoratus": 100,
    "tursiops_aduncus": 100,
    "vaccinium_reticulatum": 100,
    "waffles": 61,
    "skipper_caterpillar": 100,
    "french_fries": 100,
    "high heels": 99,
    "bagpipe": 97,
    "mbira": 67,
    "hindu_temple": 51,
    "fireworks": 100,
    "shuttlecock": 67,
    "glass_of_milk": 89,
    "cable": 88,
    "stapler": 100,
    "windsor_chair": 71,
    "pyramid": 100,
    "gramophone": 56,
    "scissors": 100,
    "door": 100,
    "fire_extinguisher": 106,
    "empty_water_dispencer": 99,
    "walker": 99,
}


class Ninco(OodPair):
    name = "ninco"
    layout = Layout(
        "NINCO",
        f"IN::OUT, IN an ImageNet-style ImageFolder (IN/<wnid>/<image>) and OUT the extracted "
        f"NINCO_all.tar.gz holding {FOLDER}/<class>/<image> (64 classes, 5,879 images), as in "
        f"{REPOSITORY}",
    )
    expects = layout.files
    get_it = "zenodo.org/record/8013288 (NINCO_all.tar.gz); the in-distribution set is yours"
    licence = "MIT (the repository's LICENSE); the images' own terms are their sources'"

    @classmethod
    def out_root(cls, given: Path) -> Path:
        if given.name == FOLDER:
            return given
        if not (given / FOLDER).is_dir():
            raise cls.layout.error(f"{given} has no {FOLDER} folder")
        return given / FOLDER

    @classmethod
    def out_images(cls, root: Path) -> list[Image]:
        return class_images(root, cls.layout)

    @classmethod
    def count_warnings(cls, out_images: Sequence[Image]) -> list[str]:
        found = Counter(i.category for i in out_images)
        return short_copy(f"NINCO ({FOLDER})", found, PUBLISHED, "images")
