"""ImageNet-O (Hendrycks et al., "Natural Adversarial Examples", CVPR 2021): 2,000 images of
classes outside ImageNet-1K that a ResNet-50 nonetheless labels confidently, for OOD detectors
of ImageNet models, paired with the user's in-distribution ImageNet folder.

Layout: github hendrycks/natural-adv-examples (README.md) links ``imagenet-o.tar``, which
extracts to ``imagenet-o/<wnid>/<file>`` plus ``imagenet-o/README.txt``. Checked against
loaders others wrote for it (torchvision-ImageFolder subclasses rooted at ``imagenet-o``, one
that excludes ``imagenet-o/README.txt`` when extracting, one that reads the README's lines
starting with a wnid as ``wnid name``) and against NINCO's annotations of it (github
j-cb/NINCO ``data/cleaning_annotations/annotations_subsampled_datasets/imagenet_o.csv``:
``imagenet-o/n01443537/benthos_0.9994893.JPEG``). The folders are ImageNet-1K wnids (the class
the images were confidently mistaken for), so they are *not* classes of their own: every image
is out of distribution, its folder kept as ``category``. The counts (2,000 images, 200 folders)
are the paper's; the tarball itself could not be read here.

``--data imagenet_o:IN::OUT``: IN an ImageNet-style ImageFolder (ImageNet val sorted into wnid
folders, or a 200-class subset), OUT the ``imagenet-o`` folder or the folder it was extracted
in. Class names come from a ``LOC_synset_mapping.txt`` beside IN, else from ImageNet-O's own
README.txt for the wnids it lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vlmtrust.data.benchmarks.image_folder import Image, class_images, is_wnid
from vlmtrust.data.benchmarks.layout import Layout, short_copy
from vlmtrust.data.benchmarks.ood_pair import OodPair

FOLDER = "imagenet-o"
README = "README.txt"
PUBLISHED_IMAGES = 2_000
PUBLISHED_FOLDERS = 200
REPOSITORY = "https://github.com/hendrycks/natural-adv-examples"


class ImageNetO(OodPair):
    name = "imagenet_o"
    layout = Layout(
        "ImageNet-O",
        f"IN::OUT, IN an ImageNet-style ImageFolder (IN/<wnid>/<image>) and OUT the extracted "
        f"imagenet-o.tar: {FOLDER}/<wnid>/<image> (200 wnid folders, 2,000 images) and "
        f"{FOLDER}/{README}, as {REPOSITORY} links it",
    )
    expects = layout.files
    get_it = (
        "people.eecs.berkeley.edu/~hendrycks/imagenet-o.tar (linked from the natural-adv-examples "
        "README); the in-distribution ImageNet folder is yours"
    )
    licence = "MIT (the repository's LICENSE); the images' own rights are their owners'"

    @classmethod
    def out_root(cls, given: Path) -> Path:
        root = given if given.name == FOLDER or not (given / FOLDER).is_dir() else given / FOLDER
        odd = sorted(p.name for p in root.iterdir() if p.is_dir() and not is_wnid(p.name))
        if odd:
            raise cls.layout.error(f"{root} has folders that are not wnids ({odd[0]!r})")
        return root

    @classmethod
    def out_images(cls, root: Path) -> list[Image]:
        return class_images(root, cls.layout)

    @classmethod
    def name_files(cls, out_root: Path) -> tuple[Path, ...]:
        readme = out_root / README
        return (readme,) if readme.is_file() else ()

    @classmethod
    def count_warnings(cls, out_images: Sequence[Image]) -> list[str]:
        folders = len({i.category for i in out_images})
        images = short_copy("ImageNet-O", len(out_images), PUBLISHED_IMAGES, "images")
        return images or short_copy("ImageNet-O", folders, PUBLISHED_FOLDERS, "wnid folders")
