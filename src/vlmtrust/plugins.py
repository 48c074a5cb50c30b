"""The registries of every plugin kind, filled with lazy ``module:attr`` entries.

Nothing heavy is imported here: ``vlmtrust list`` stays fast and a task that is never used
never imports its dependencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vlmtrust.core.registry import Registry

if TYPE_CHECKING:
    from vlmtrust.attacks.base import Attack
    from vlmtrust.data.source import DataSource
    from vlmtrust.models.base import ModelKind
    from vlmtrust.tasks.base import Task

MODELS: Registry[type[ModelKind]] = Registry("models")
TASKS: Registry[type[Task]] = Registry("tasks")
ATTACKS: Registry[type[Attack]] = Registry("attacks")
MITIGATIONS: Registry[Any] = Registry("mitigations")
METRICS: Registry[Any] = Registry("metrics")
DATA_SOURCES: Registry[type[DataSource]] = Registry("data_sources")
#: refused/complied judges: name -> factory(**params) -> an object with
#: ``verdicts(requests, responses) -> list[Verdict]`` (see ``scorers/refusal_judges.py``)
REFUSAL_JUDGES: Registry[Any] = Registry("refusal_judges")

REFUSAL_JUDGES.add(
    "refusal",
    "vlmtrust.scorers.refusal_judges:refusal_judge",
    "the offline refusal judge: structural rules + a head on MiniLM embeddings (English)",
)
REFUSAL_JUDGES.add(
    "rubric",
    "vlmtrust.scorers.refusal_judges:rubric_judge",
    "a Generator graded by a one-word rubric: rubric:model=SPEC (openai:, hf:, zoo:)",
)
#: judge kinds: ``KIND:MODEL_SPEC`` -> a judge (``scorers.judges.lookup``)
JUDGES: Registry[Any] = Registry("judges")

JUDGES.add(
    "llama_guard",
    "vlmtrust.scorers.judges:LlamaGuardJudge",
    "Llama Guard 3 (8B, 1B, 11B-Vision) / 4 as judge: llama_guard:hf:DIR or llama_guard:openai:URL"
    "#MODEL; parses 'safe' / 'unsafe\\nS1,S3', anything else unscorable",
)
JUDGES.add(
    "shieldgemma2",
    "vlmtrust.scorers.judges:ShieldGemma2Judge",
    "ShieldGemma 2 image judge: shieldgemma2:hf:DIR; P(Yes) per policy, unsafe at 0.5",
)
JUDGES.add(
    "rubric",
    "vlmtrust.scorers.judges:RubricJudge",
    "any Generator grading answers complied/refused by a rubric: rubric:openai:URL#MODEL, "
    "rubric:hf:DIR, rubric:zoo:assistant",
)

DATA_SOURCES.add(
    "world",
    "vlmtrust.data.world.source:WorldSource",
    "the synthetic world: seeded scenes, twins, canaries, probes (the default without --data)",
)
DATA_SOURCES.add(
    "folder",
    "vlmtrust.data.loaded:FolderSource",
    "your image folder with labels.csv or labels.jsonl: --data folder:PATH",
)
DATA_SOURCES.add(
    "fairface",
    "vlmtrust.data.benchmarks.fairface:FairFaceSource",
    "FairFace's label CSVs and train/ val/ images as published (race, gender, age groups): "
    "--data fairface:ROOT (val split) or fairface:ROOT/fairface_label_train.csv",
)
DATA_SOURCES.add(
    "utkface",
    "vlmtrust.data.benchmarks.utkface:UTKFaceSource",
    "UTKFace images named [age]_[gender]_[race]_[date&time].jpg: --data utkface:FOLDER",
)
DATA_SOURCES.add(
    "fairvlmed",
    "vlmtrust.data.benchmarks.fairvlmed:FairVLMedSource",
    "Harvard-FairVLMed's Training/ Validation/ Test/ folders of data_xxxxx.npz (race, gender, "
    "ethnicity, language groups; glaucoma labels): --data fairvlmed:ROOT (Test) or "
    "fairvlmed:ROOT/Training",
)
DATA_SOURCES.add(
    "pata",
    "vlmtrust.data.benchmarks.pata:PATASource",
    "PATA's pata_fairness.files.lst and captions JSON with your downloaded images/<line>.jpg "
    "(race, gender, age groups; scenes; positive/negative captions as prompts): --data pata:ROOT",
)
DATA_SOURCES.add(
    "bold",
    "vlmtrust.data.benchmarks.bold:BoldSource",
    "BOLD's text prompts by domain and group (gender, race, profession, religious and political "
    "ideology) for fairness.generation_bias: --data bold:ROOT or "
    "bold:ROOT/prompts/race_prompt.json",
)
DATA_SOURCES.add(
    "hf_disk",
    "vlmtrust.data.loaded:HfDiskSource",
    "a directory written by datasets' save_to_disk: --data hf_disk:PATH",
)
DATA_SOURCES.add(
    "figstep_safebench",
    "vlmtrust.data.benchmarks.figstep:SafeBench",
    "FigStep's SafeBench (10 topics x 50 harmful questions, their typographic images): a "
    "ThuCCSLab/FigStep clone",
)
DATA_SOURCES.add(
    "figstep_safebench_tiny",
    "vlmtrust.data.benchmarks.figstep:SafeBenchTiny",
    "FigStep's SafeBench-Tiny (10 topics x 5): a ThuCCSLab/FigStep clone",
)
DATA_SOURCES.add(
    "mm_safetybench",
    "vlmtrust.data.benchmarks.mm_safetybench:MMSafetyBench",
    "MM-SafetyBench (13 scenarios, SD / SD_TYPO / TYPO images): an isXinLiu/MM-SafetyBench "
    "clone with its images in data/imgs",
)
DATA_SOURCES.add(
    "mm_safetybench_tiny",
    "vlmtrust.data.benchmarks.mm_safetybench:MMSafetyBenchTiny",
    "MM-SafetyBench's tiny version (the 168 questions of TinyVersion_ID_List.json): the same clone",
)
DATA_SOURCES.add(
    "mossbench",
    "vlmtrust.data.benchmarks.mossbench:MOSSBench",
    "MOSSBench (300 benign image + query pairs in 3 stimulus types for over-refusal, 244 harmful "
    "contrast queries): an xirui-li/MOSSBench clone",
)
DATA_SOURCES.add(
    "vlguard",
    "vlmtrust.data.benchmarks.vlguard:VLGuardSource",
    "VLGuard's test split (unsafe images; safe images with an unsafe and a safe instruction): "
    "test.json + test/ from ys-zong/VLGuard on Hugging Face",
)
DATA_SOURCES.add(
    "jailbreakv_28k",
    "vlmtrust.data.benchmarks.jailbreakv:JailBreakV28K",
    "JailBreakV-28K (28,000 harmful queries x jailbreak formats, 16 policies, their images): "
    "the JailbreakV-28K/JailBreakV-28k dataset's JailBreakV_28K/ folder",
)
DATA_SOURCES.add(
    "jailbreakv_28k_mini",
    "vlmtrust.data.benchmarks.jailbreakv:JailBreakV28KMini",
    "JailBreakV-28K's mini split (280 rows): mini_JailBreakV_28K.csv in the same folder",
)
DATA_SOURCES.add(
    "ood_pair",
    "vlmtrust.data.benchmarks.ood_pair:OodPair",
    "an in-distribution ImageFolder (IN/<class>/<image>) and an OOD image folder, for OOD "
    "detection: --data ood_pair:IN::OUT",
)
DATA_SOURCES.add(
    "imagenet_o",
    "vlmtrust.data.benchmarks.imagenet_o:ImageNetO",
    "ImageNet-O (imagenet-o/<wnid>/, 2,000 OOD images) against your ImageNet-style folder: "
    "--data imagenet_o:IN::OUT",
)
DATA_SOURCES.add(
    "ninco",
    "vlmtrust.data.benchmarks.ninco:Ninco",
    "NINCO (NINCO_OOD_classes/<class>/, 64 classes, 5,879 OOD images) against your "
    "ImageNet-style folder: --data ninco:IN::OUT",
)
DATA_SOURCES.add(
    "coco_captions",
    "vlmtrust.data.benchmarks.coco_captions:CocoCaptions",
    "COCO captions (annotations/captions_train2017.json, captions_val2017.json, images): "
    "members train, non-members val for privacy.membership; --data coco_captions:ROOT, or "
    "ROOT/annotations/captions_<split><year>.json to name the members' split",
)
DATA_SOURCES.add(
    "flickr30k",
    "vlmtrust.data.benchmarks.flickr30k:Flickr30k",
    "Flickr30k (Karpathy's dataset_flickr30k.json or results_20130124.token, flickr30k-images/):"
    " members Karpathy train, non-members test for privacy.membership; --data flickr30k:ROOT",
)

MODELS.add(
    "hf",
    "vlmtrust.models.hf:HFModelKind",
    "a local transformers checkpoint: CLIP/SigLIP, or image-text-to-text (LLaVA, LLaVA-NeXT, ...)"
    ": hf:/path/to/dir[?device=auto|cpu|cuda:N|mps&dtype=auto|float32|bfloat16|float16"
    "&batch_size=auto|N&device_map=auto&max_new_tokens=N]",
)

MODELS.add(
    "openai",
    "vlmtrust.models.openai:OpenAIModelKind",
    "a model behind an OpenAI-compatible chat API: openai:URL#MODEL?key=value",
)
MODELS.add(
    "zoo",
    "vlmtrust.models.zoo:ZooModelKind",
    "the embedded model organisms with planted flaws, shipped inside vlmtrust: zoo:NAME (below)",
)

TASKS.add(
    "robustness.zero_shot",
    "vlmtrust.tasks.robustness.zero_shot:ZeroShot",
    "zero-shot classification accuracy, clean and under corruptions (noise, blur, JPEG, contrast)",
)

TASKS.add(
    "robustness.corruption_error",
    "vlmtrust.tasks.robustness.corruption_suite:CorruptionSuite",
    "zero-shot accuracy under all 19 ImageNet-C corruptions x severities; mCE, by family",
)

TASKS.add(
    "robustness.vqa",
    "vlmtrust.tasks.robustness.vqa:Vqa",
    "visual question answering accuracy of a Generator, clean and under corruptions",
)

TASKS.add(
    "robustness.typographic",
    "vlmtrust.tasks.robustness.typographic:TypographicTask",
    "zero-shot accuracy with a wrong class name written on the image; attack success rate",
)

TASKS.add(
    "robustness.ood",
    "vlmtrust.tasks.robustness.ood:OodDetection",
    "OOD detection (MSP, MaxLogit, Energy, MCM): AUROC and FPR@95%TPR, world OOD scenes or yours",
)
TASKS.add(
    "robustness.modality_gap",
    "vlmtrust.tasks.robustness.modality_gap:ModalityGap",
    "modality gap: image/caption centroid distance, pair cosine, linear separability (5-fold)",
)
TASKS.add(
    "robustness.attribute_binding",
    "vlmtrust.tasks.robustness.attribute_binding:AttributeBinding",
    "attribute binding: own scene description vs the same with its shape or colour swapped",
)
TASKS.add(
    "robustness.calibration",
    "vlmtrust.tasks.robustness.calibration:Calibration",
    "calibration in and out of distribution: ECE (15 bins), NLL, top-label Brier, accuracy",
)

TASKS.add(
    "safety.toxicity",
    "vlmtrust.tasks.safety.toxicity:Toxicity",
    "toxic-answer rate (calibrated profanity/insult judge) bare and under each persona",
)

TASKS.add(
    "safety.nsfw_input",
    "vlmtrust.tasks.safety.nsfw_input:NsfwInput",
    "NSFW images in a dataset (open_nsfw ONNX): flagged rate and the flagged files",
)

TASKS.add(
    "robustness.adversarial",
    "vlmtrust.tasks.robustness.adversarial:Adversarial",
    "robust zero-shot accuracy under PGD/FGSM (L-inf or L2) at a list of budgets",
)

TASKS.add(
    "robustness.backdoor_scan",
    "vlmtrust.tasks.robustness.backdoor_scan:BackdoorScan",
    "Neural Cleanse trigger inversion per candidate label; MAD anomaly index flags the target",
)

TASKS.add(
    "robustness.caption_backdoor_scan",
    "vlmtrust.tasks.robustness.caption_backdoor_scan:CaptionBackdoorScan",
    "Neural Cleanse for a Generator's captions: MAD anomaly index + greedy check of the suspect",
)

TASKS.add(
    "robustness.backdoor_trigger",
    "vlmtrust.tasks.robustness.backdoor_trigger:BackdoorTrigger",
    "trigger success: share of trigger-stamped scenes classified as the backdoor's target caption",
)

TASKS.add(
    "robustness.caption_target",
    "vlmtrust.tasks.robustness.caption_target:CaptionTarget",
    "targeted PGD on a Generator: share answering exactly the attacker's caption, per budget",
)

TASKS.add(
    "robustness.typographic_vqa",
    "vlmtrust.tasks.robustness.typographic_vqa:TypographicVqa",
    "a Generator asked the shape of a scene with a wrong shape name written on it: follows text?",
)

TASKS.add(
    "robustness.embedding_attack",
    "vlmtrust.tasks.robustness.embedding_attack:EmbeddingAttack",
    "zero-shot accuracy under worst-case L2 perturbation of image or text embeddings (VILLA)",
)

ATTACKS.add("none", "vlmtrust.attacks.base:Identity", "no attack: the clean sample")
ATTACKS.add(
    "published",
    "vlmtrust.attacks.jailbreak:Published",
    "a benchmark's own attack as published: its image with its prompt (FigStep's typographic "
    "images, MM-SafetyBench's SD/TYPO pairs; --data of such a benchmark)",
)
# The ImageNet-C suite (vlmtrust.attacks.imagenet_c): 15 corruptions in four families, then the
# 4 extra ones; one attack class serves them all. ``jpeg`` is our older name for jpeg_compression.
for _family, _name, _what in [
    ("noise", "gaussian_noise", "additive Gaussian pixel noise"),
    ("noise", "shot_noise", "Poisson (photon) noise"),
    ("noise", "impulse_noise", "salt-and-pepper noise"),
    ("blur", "defocus_blur", "out-of-focus disk blur"),
    ("blur", "glass_blur", "frosted-glass blur (blur, local pixel shuffle, blur)"),
    ("blur", "motion_blur", "camera-shake motion blur at a random angle"),
    ("blur", "zoom_blur", "radial zoom blur"),
    ("weather", "snow", "falling snow over a greyed image"),
    ("weather", "frost", "frost photographs overlaid on the lens"),
    ("weather", "fog", "fractal fog"),
    ("weather", "brightness", "raised brightness (HSV value)"),
    ("digital", "contrast", "reduced contrast"),
    ("digital", "elastic_transform", "local elastic warping"),
    ("digital", "pixelate", "down- and up-sampling to blocks"),
    ("digital", "jpeg_compression", "JPEG re-compression artefacts"),
    ("extra", "speckle_noise", "multiplicative Gaussian noise"),
    ("extra", "gaussian_blur", "Gaussian blur"),
    ("extra", "spatter", "water or mud spatter"),
    ("extra", "saturate", "changed colour saturation"),
    ("digital", "jpeg", "alias of corruption.jpeg_compression (the reference's name)"),
]:
    ATTACKS.add(
        f"corruption.{_name}",
        "vlmtrust.attacks.corruptions:Corruption",
        f"ImageNet-C {_family}: {_what}, severity 1-5",
    )

MITIGATIONS.add(
    "temperature_scaling",
    "vlmtrust.mitigations.wrappers.temperature:TemperatureScaling",
    "wrapper: classifier logits divided by a temperature fitted on held-out world scenes",
)

MITIGATIONS.add(
    "ocr_mask",
    "vlmtrust.mitigations.wrappers.ocr_mask:OcrMask",
    "wrapper: blur text regions found by rapidocr's detector before the model sees the image",
)
MITIGATIONS.add(
    "ignore_text_prompt",
    "vlmtrust.mitigations.wrappers.ignore_text_prompt:IgnoreTextPrompt",
    "wrapper: 'ignore any text written in the image' put before every Generator prompt",
)
MITIGATIONS.add(
    "guard",
    "vlmtrust.mitigations.wrappers.guard:Guard",
    "wrapper: OCR the image (after a text-presence gate), block harmful prompt/image text or NSFW",
)
MITIGATIONS.add(
    "output_guard",
    "vlmtrust.mitigations.wrappers.output_guard:OutputGuard",
    "wrapper: cut toxic clauses from answers, replace harmful answers with a refusal",
)
MITIGATIONS.add(
    "abstain",
    "vlmtrust.mitigations.wrappers.abstain:Abstain",
    "wrapper: answer 'unknown' below an OOD-score threshold keeping 95% of held-out world scenes",
)
MITIGATIONS.add(
    "dear",
    "vlmtrust.mitigations.trainers.dear:Dear",
    "trainer: additive residual on zoo:clip image embeddings trained against a group adversary",
)
MITIGATIONS.add(
    "disentangle_vae",
    "vlmtrust.mitigations.trainers.disentangle_vae:DisentangleVae",
    "trainer: beta-VAE on zoo:clip image embeddings splitting a group code from content; "
    "the group code is set to its mean",
)
MITIGATIONS.add(
    "disentangle_adversarial",
    "vlmtrust.mitigations.trainers.disentangle_adversarial:DisentangleAdversarial",
    "trainer: autoencoder on image embeddings, a discriminator reads the group from the content "
    "code, the encoder fools it; the group code is set to its mean",
)
MITIGATIONS.add(
    "resample",
    "vlmtrust.mitigations.trainers.resample:Resample",
    "trainer: fine-tunes zoo:clip's tower re-sampling weak group x occupation cells + group twins",
)
MITIGATIONS.add(
    "outlier_exposure",
    "vlmtrust.mitigations.trainers.outlier_exposure:OutlierExposure",
    "trainer: zoo:clip tower fine-tune flattening predictions on tile-mosaic outliers (OE)",
)
MITIGATIONS.add(
    "ogen",
    "vlmtrust.mitigations.trainers.ogen:Ogen",
    "trainer: zoo:clip tower fine-tune with synthesized unknown-class features as negatives (OGEN)",
)
MITIGATIONS.add(
    "anchor_finetune",
    "vlmtrust.mitigations.trainers.anchor_finetune:AnchorFinetune",
    "trainer: class-prompt fine-tune of zoo:clip's tower kept near caption text anchors",
)
MITIGATIONS.add(
    "mixgen",
    "vlmtrust.mitigations.trainers.mixgen:Mixgen",
    "trainer: MixGen fine-tune of zoo:clip's tower (images interpolated, captions concatenated)",
)
MITIGATIONS.add(
    "biaug",
    "vlmtrust.mitigations.trainers.biaug:Biaug",
    "trainer: zoo:clip fine-tune on hard negatives made by swapping a scene's shape or colour",
)
MITIGATIONS.add(
    "align",
    "vlmtrust.mitigations.trainers.align:Align",
    "trainer: fine-tunes zoo:clip's image projection to close the modality gap",
)
MITIGATIONS.add(
    "pgd_at",
    "vlmtrust.mitigations.trainers.pgd_at:PgdAt",
    "trainer: TeCoA-style pixel adversarial fine-tuning of zoo:clip (PGD, frozen text classifier)",
)
MITIGATIONS.add(
    "villa",
    "vlmtrust.mitigations.trainers.villa:Villa",
    "trainer: VILLA-style fine-tuning of zoo:clip against worst-case embedding perturbations",
)
MITIGATIONS.add(
    "backdoor_purge",
    "vlmtrust.mitigations.trainers.backdoor_purge:BackdoorPurge",
    "trainer: invert zoo:clip's suspected trigger, fine-tune stamped scenes to their true captions",
)
MITIGATIONS.add(
    "vlguard",
    "vlmtrust.mitigations.trainers.vlguard:Vlguard",
    "trainer: safety fine-tuning of zoo:assistant on typographic harmful requests -> refusal",
)
MITIGATIONS.add(
    "vlguard_lora",
    "vlmtrust.mitigations.trainers.vlguard_lora:VlguardLora",
    "trainer: vlguard's recipe as LoRA adapters (peft) on a local hf: image-text-to-text model",
)
MITIGATIONS.add(
    "knowledge_sanitization",
    "vlmtrust.mitigations.trainers.knowledge_sanitization:KnowledgeSanitization",
    "trainer: fine-tune zoo:assistant to refuse questions about memorised identities",
)
MITIGATIONS.add(
    "reinforce_detoxify",
    "vlmtrust.mitigations.trainers.reinforce_detoxify:ReinforceDetoxify",
    "trainer: policy-gradient fine-tune of zoo:assistant, rewarded by the toxicity judge",
)

MITIGATIONS.add(
    "adversarial_instruct",
    "vlmtrust.mitigations.trainers.adversarial_instruct:AdversarialInstruct",
    "trainer: instruction-tune zoo:assistant against an adversary reading the group from its "
    "hidden states",
)

MITIGATIONS.add(
    "overfit",
    "vlmtrust.mitigations.trainers.membership_finetune:Overfit",
    "trainer: fine-tune zoo:clip's projection until it memorises a small member set (MIA target)",
)
MITIGATIONS.add(
    "dp_finetune",
    "vlmtrust.mitigations.trainers.membership_finetune:DpFinetune",
    "trainer: the overfit fine-tune with DP-SGD (Opacus); epsilon and delta in the card",
)
MITIGATIONS.add(
    "federated",
    "vlmtrust.mitigations.trainers.federated:Federated",
    "trainer: federated fine-tuning of the projection (FedAvg/FedProx, client DP, secure agg.)",
)
MITIGATIONS.add(
    "adv_regularization",
    "vlmtrust.mitigations.trainers.adv_regularization:AdvRegularization",
    "trainer: the overfit fine-tune against a membership adversary in the loop (Nasr et al. 2018)",
)

ATTACKS.add(
    "typographic",
    "vlmtrust.attacks.typographic:Typographic",
    "a wrong class name written onto the image, world-style (contrasting ink, quiet patch)",
)

ATTACKS.add(
    "persona",
    "vlmtrust.attacks.persona:Persona",
    "a persona system prompt put before the prompt (built-in rude/friendly personas or your text)",
)

ATTACKS.add(
    "pgd",
    "vlmtrust.attacks.gradient:Pgd",
    "projected gradient descent on a Differentiable model's zero-shot classifier",
)
ATTACKS.add(
    "trigger",
    "vlmtrust.attacks.backdoor:Trigger",
    "a backdoor trigger patch stamped bottom-right (the zoo's planted one, or your PNG)",
)
ATTACKS.add(
    "pgd_caption",
    "vlmtrust.attacks.caption_pgd:CaptionPgd",
    "PGD on a Differentiable Generator raising the log-likelihood of a target answer",
)
ATTACKS.add(
    "pgd_transfer",
    "vlmtrust.attacks.transfer:TransferPgd",
    "PGD crafted on a source model (source=SPEC), scored on the scanned one: a transfer attack",
)
ATTACKS.add(
    "fgsm",
    "vlmtrust.attacks.gradient:Fgsm",
    "fast gradient sign method: one step of size eps",
)

METRICS.add(
    "accuracy",
    "vlmtrust.metrics.rates:accuracy",
    "share of scorable samples judged correct, with a Wilson 95% interval",
)
METRICS.add(
    "accuracy_drop",
    "vlmtrust.metrics.rates:accuracy_drop",
    "clean accuracy minus accuracy under an attack, with a Newcombe 95% interval",
)
METRICS.add(
    "auroc",
    "vlmtrust.metrics.detection:auroc_estimate",
    "OOD detection AUROC (in-distribution positive), stratified bootstrap 95% interval",
)
METRICS.add(
    "fpr95",
    "vlmtrust.metrics.detection:fpr_at_tpr_estimate",
    "share of OOD samples accepted at the threshold keeping 95% of in-distribution ones",
)
METRICS.add(
    "ece",
    "vlmtrust.metrics.calibration:ece_estimate",
    "expected calibration error, 15 equal-width bins, bootstrap 95% interval",
)
METRICS.add(
    "nll",
    "vlmtrust.metrics.calibration:nll_estimate",
    "mean negative log-likelihood of the true class, bootstrap 95% interval",
)
METRICS.add(
    "brier",
    "vlmtrust.metrics.calibration:brier_estimate",
    "binary top-label Brier score, mean (confidence - correct)^2, bootstrap 95% interval",
)
METRICS.add(
    "mce",
    "vlmtrust.tasks.robustness.corruption_error:mean_corruption_error",
    "unnormalised mean corruption error and its clean-relative form, paired bootstrap 95% interval",
)
METRICS.add(
    "coverage",
    "vlmtrust.tasks.robustness.selective:coverage_estimate",
    "share of samples a model answered rather than abstained on, with a Wilson 95% interval",
)
METRICS.add(
    "centroid_gap",
    "vlmtrust.tasks.robustness.modality_gap:centroid_gap_estimate",
    "L2 distance of mean image and mean text embedding, paired bootstrap 95% interval",
)

TASKS.add(
    "fairness.retrieval_skew",
    "vlmtrust.tasks.fairness.retrieval_skew:RetrievalSkew",
    "neutral text queries over a group-balanced pool: MaxSkew@k and NDKL@k, bootstrap intervals",
)
MITIGATIONS.add(
    "pbm",
    "vlmtrust.mitigations.wrappers.pbm:Pbm",
    "wrapper: predict each retrieval candidate's group and re-rank to balance the top k",
)
MITIGATIONS.add(
    "debias_projection",
    "vlmtrust.mitigations.wrappers.debias_projection:DebiasProjection",
    "wrapper: text embeddings projected off group directions, calibrated (Chuang et al. 2023)",
)
MITIGATIONS.add(
    "counterfactual_inference",
    "vlmtrust.mitigations.wrappers.counterfactual_inference:CounterfactualInference",
    "wrapper: the group cue's direct effect (from world twins) subtracted from image embeddings",
)
MITIGATIONS.add(
    "counterfactual_decoding",
    "vlmtrust.mitigations.wrappers.counterfactual_decoding:CounterfactualDecoding",
    "wrapper: a question-only branch's log-probabilities subtracted at decode (CF-VQA style)",
)
MITIGATIONS.add(
    "text_attention",
    "vlmtrust.mitigations.wrappers.text_attention:TextAttention",
    "wrapper: the text tower's attention to group-indicating tokens scaled down",
)
TASKS.add(
    "fairness.counterfactual",
    "vlmtrust.tasks.fairness.counterfactual:Counterfactual",
    "group-swapped twins: zero-shot flip rate and similarity change, or caption differences",
)
TASKS.add(
    "fairness.group_performance",
    "vlmtrust.tasks.fairness.group_performance:GroupPerformance",
    "zero-shot accuracy per group, worst group, demographic parity and equalized odds (fairlearn)",
)
TASKS.add(
    "fairness.embedding_association",
    "vlmtrust.tasks.fairness.embedding_association:EmbeddingAssociation",
    "WEAT effect size (permutation p-value) of group images vs attribute texts; bias distance",
)
TASKS.add(
    "fairness.prompt_bias",
    "vlmtrust.tasks.fairness.prompt_bias:PromptBias",
    "biased-prompt detection: projection of each prompt on the group direction, over a threshold",
)
TASKS.add(
    "fairness.dataset_audit",
    "vlmtrust.tasks.fairness.dataset_audit:DatasetAudit",
    "data bias: group shares, group x occupation vs balanced, outdated group vocabulary (lexicon)",
)
TASKS.add(
    "fairness.generation_bias",
    "vlmtrust.tasks.fairness.generation_bias:GenerationBias",
    "occupation/attribute words in a Generator's captions by group: Cramér's V, chi-square test",
)
MITIGATIONS.add(
    "debias_instruction",
    "vlmtrust.mitigations.wrappers.debias_instruction:DebiasInstruction",
    "wrapper: a debiasing instruction prepended to every Generator prompt (self-debiasing)",
)

ATTACKS.add(
    "text_only",
    "vlmtrust.attacks.jailbreak:TextOnly",
    "a probe's request asked in the text prompt, no image: the jailbreak baseline",
)
ATTACKS.add(
    "figstep",
    "vlmtrust.attacks.jailbreak:Figstep",
    "FigStep: the request as a numbered-list heading rendered as an image, benign prompt",
)
ATTACKS.add(
    "figstep_pro",
    "vlmtrust.attacks.jailbreak:FigstepPro",
    "FigStep image cut into shuffled, spaced tiles in one canvas (evades OCR filters)",
)
ATTACKS.add(
    "caption_replace",
    "vlmtrust.attacks.jailbreak:CaptionReplace",
    "a benign scene whose caption (prompt or text in the image) is a malicious instruction",
)

TASKS.add(
    "safety.jailbreak",
    "vlmtrust.tasks.safety.jailbreak:Jailbreak",
    "attack success rate of harmful probes per attack and category (text, FigStep, caption)",
)
TASKS.add(
    "safety.over_refusal",
    "vlmtrust.tasks.safety.over_refusal:OverRefusal",
    "refusal rate on benign twins (text and typographic) and per identity/dialect group",
)

MITIGATIONS.add(
    "safety_prompt",
    "vlmtrust.mitigations.wrappers.safety_prompt:SafetyPrompt",
    "wrapper: a safety instruction, a read-the-image-first prompt, or a refused visual example",
)
TASKS.add(
    "safety.red_team",
    "vlmtrust.tasks.safety.red_team:RedTeam",
    "automated red teaming: a seeded bandit over attack configurations with a query budget",
)
TASKS.add(
    "safety.rl_red_team",
    "vlmtrust.tasks.safety.rl_red_team:RlRedTeam",
    "RL red teaming: a REINFORCE policy over attack composition with a diversity bonus",
)
TASKS.add(
    "safety.multi_turn",
    "vlmtrust.tasks.safety.multi_turn:MultiTurn",
    "adaptive attacks: PAIR, TAP and Crescendo with a scripted or model attacker, per probe budget",
)
TASKS.add(
    "privacy.memorization",
    "vlmtrust.tasks.privacy.memorization:Memorization",
    "canary extraction by prompting (exact and fuzzy, members vs non-members) and exposure",
)
TASKS.add(
    "privacy.pii_leakage",
    "vlmtrust.tasks.privacy.pii_leakage:PiiLeakage",
    "PII per entity type in answers and in image text (offline Presidio + OCR), and faces",
)
TASKS.add(
    "privacy.attribute_inference",
    "vlmtrust.tasks.privacy.attribute_inference:AttributeInference",
    "linear probe predicting a group attribute from image embeddings: accuracy vs chance",
)
TASKS.add(
    "fairness.disentanglement",
    "vlmtrust.tasks.fairness.disentanglement:Disentanglement",
    "mutual information gap of the world's known factors (group, occupation, background) "
    "in a model's latent codes or embedding",
)
TASKS.add(
    "privacy.membership",
    "vlmtrust.tasks.privacy.membership:Membership",
    "membership inference (image-caption cosine threshold): AUC, TPR at 1% and 0.1% FPR, ROC",
)
TASKS.add(
    "privacy.gradient_inversion",
    "vlmtrust.tasks.privacy.gradient_inversion:GradientInversion",
    "rebuild an image from one batch's image-tower gradient: PSNR and SSIM vs a flat baseline",
)
TASKS.add(
    "privacy.federated",
    "vlmtrust.tasks.privacy.federated:FederatedTraining",
    "held-out accuracy of --mitigate federated variants beside the baseline, and their cards:"
    " accuracy per round, bytes per round, per-client accuracy, epsilon, update inversion",
)
TASKS.add(
    "privacy.private_inference",
    "vlmtrust.tasks.privacy.private_inference:PrivateInference",
    "zero-shot head under --mitigate he_inference / mpc_inference vs plaintext: argmax"
    " agreement, logit error, seconds and bytes per image",
)
MITIGATIONS.add(
    "he_inference",
    "vlmtrust.mitigations.wrappers.he_inference:HeInference",
    "wrapper: zero-shot logits computed on the CKKS-encrypted image embedding (TenSEAL, 128-bit)",
)
MITIGATIONS.add(
    "mpc_inference",
    "vlmtrust.mitigations.wrappers.mpc_inference:MpcInference",
    "wrapper: zero-shot logits computed on secret shares among 3 local MPyC parties",
)

#: every registry under the title ``vlmtrust list`` and ``vlmtrust.list_plugins()`` show it with
REGISTRIES: tuple[tuple[str, Registry[Any]], ...] = (
    ("models", MODELS),
    ("tasks", TASKS),
    ("attacks", ATTACKS),
    ("mitigations", MITIGATIONS),
    ("metrics", METRICS),
    ("data sources", DATA_SOURCES),
    ("judges", JUDGES),
    ("refusal judges", REFUSAL_JUDGES),
)

#: the model kinds that ship models of their own; asked by name because resolving every kind
#: would import torch for ``hf`` and make the listing slow
SHIPPING_KINDS = ("zoo",)


def named_models() -> list[tuple[str, str]]:
    """Every model a model kind ships (the zoo's organisms), as (spec, description)."""
    kinds = [MODELS.get(kind) for kind in SHIPPING_KINDS if kind in MODELS]
    return [named for kind in kinds for named in kind.named_models()]
