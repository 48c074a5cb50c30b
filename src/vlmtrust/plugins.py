"""The registries of every plugin kind, filled with lazy ``module:attr`` entries.

Nothing heavy is imported here: ``vlmtrust list`` stays fast and a task that is never used
never imports its dependencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vlmtrust.core.registry import Registry

if TYPE_CHECKING:
    from vlmtrust.attacks.base import Attack
    from vlmtrust.models.base import ModelKind
    from vlmtrust.tasks.base import Task

MODELS: Registry[type[ModelKind]] = Registry("models")
TASKS: Registry[type[Task]] = Registry("tasks")
ATTACKS: Registry[type[Attack]] = Registry("attacks")
MITIGATIONS: Registry[Any] = Registry("mitigations")
METRICS: Registry[Any] = Registry("metrics")

MODELS.add(
    "hf",
    "vlmtrust.models.hf:HFModelKind",
    "a local transformers checkpoint: CLIP/SigLIP, or image-text-to-text (LLaVA, LLaVA-NeXT, ...)"
    ": hf:/path/to/dir[?max_new_tokens=N]",
)

MODELS.add(
    "openai",
    "vlmtrust.models.openai:OpenAIModelKind",
    "a model behind an OpenAI-compatible chat API: openai:URL#MODEL?key=value",
)
MODELS.add(
    "zoo",
    "vlmtrust.models.zoo:ZooModelKind",
    "the embedded model organisms with planted flaws: zoo:clip, zoo:assistant",
)

TASKS.add(
    "robustness.zero_shot",
    "vlmtrust.tasks.robustness.zero_shot:ZeroShot",
    "zero-shot classification accuracy, clean and under corruptions (noise, blur, JPEG, contrast)",
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
    "robustness.calibration",
    "vlmtrust.tasks.robustness.calibration:Calibration",
    "calibration in and out of distribution: ECE (15 bins), NLL, top-label Brier, accuracy",
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
    "robustness.embedding_attack",
    "vlmtrust.tasks.robustness.embedding_attack:EmbeddingAttack",
    "zero-shot accuracy under worst-case L2 perturbation of image or text embeddings (VILLA)",
)

ATTACKS.add("none", "vlmtrust.attacks.base:Identity", "no attack: the clean sample")
for _name, _what in [
    ("gaussian_noise", "additive Gaussian pixel noise"),
    ("gaussian_blur", "Gaussian blur"),
    ("jpeg", "JPEG re-compression artefacts"),
    ("contrast", "reduced contrast"),
]:
    ATTACKS.add(
        f"corruption.{_name}",
        f"vlmtrust.attacks.corruptions:{''.join(p.title() for p in _name.split('_'))}",
        f"{_what} at severity 1-5 (ImageNet-C style)",
    )

MITIGATIONS.add(
    "temperature_scaling",
    "vlmtrust.mitigations.temperature:TemperatureScaling",
    "wrapper: classifier logits divided by a temperature fitted on held-out world scenes",
)

MITIGATIONS.add(
    "ocr_mask",
    "vlmtrust.mitigations.ocr_mask:OcrMask",
    "wrapper: blur text regions found by rapidocr's detector before the model sees the image",
)
MITIGATIONS.add(
    "abstain",
    "vlmtrust.mitigations.abstain:Abstain",
    "wrapper: answer 'unknown' below an OOD-score threshold keeping 95% of held-out world scenes",
)
MITIGATIONS.add(
    "vlguard",
    "vlmtrust.mitigations.vlguard:Vlguard",
    "trainer: safety fine-tuning of zoo:assistant on typographic harmful requests -> refusal",
)
MITIGATIONS.add(
    "knowledge_sanitization",
    "vlmtrust.mitigations.knowledge_sanitization:KnowledgeSanitization",
    "trainer: fine-tune zoo:assistant to refuse questions about memorised identities",
)

ATTACKS.add(
    "typographic",
    "vlmtrust.attacks.typographic:Typographic",
    "a wrong class name written onto the image (contrasting ink, seeded position)",
)

ATTACKS.add(
    "pgd",
    "vlmtrust.attacks.gradient:Pgd",
    "projected gradient descent on a Differentiable model's zero-shot classifier",
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
    "vlmtrust.mitigations.abstain:coverage_estimate",
    "share of samples a model answered rather than abstained on, with a Wilson 95% interval",
)
METRICS.add(
    "centroid_gap",
    "vlmtrust.tasks.robustness.modality_gap:centroid_gap_estimate",
    "L2 distance of mean image and mean text embedding, paired bootstrap 95% interval",
)
