"""Training helpers shared by the trainer plugins; nothing here is registered.

``clip_data`` (the fairness training set of ``dear``, ``resample``, ``backdoor_purge``),
``clip_head`` (``ClipFinetune``, the projection-head fine-tune behind ``overfit``,
``dp_finetune``, ``adv_regularization`` and LiRA's shadow heads), ``tower_finetune`` (the
replayed tower fine-tune of ``mixgen``, ``biaug``, ``align``), ``adversarial_finetune``
(``pgd_at``, ``villa``), ``assistant_finetune`` (``vlguard``, ``knowledge_sanitization``) and
``hf_projection`` (``dp_finetune`` on a Hugging Face CLIP).
"""
