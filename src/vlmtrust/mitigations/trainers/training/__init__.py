"""Training helpers shared by the trainer plugins; nothing here is registered.

``scenes`` (the world scenes every clip trainer draws, rendered with the model's own
preprocessing), ``clip_data`` (the fairness training set of ``dear``, ``resample``,
``backdoor_purge``), ``clip_head`` (``ClipFinetune``, the projection-head fine-tune behind
``overfit``, ``dp_finetune``, ``adv_regularization`` and LiRA's shadow heads),
``tower_finetune`` (``SplitTower`` and ``TowerTrainer``: the tower fine-tune of ``mixgen``,
``biaug``, ``align``, ``resample``), ``adversarial_finetune`` (``pgd_at``, ``villa``),
``assistant_finetune`` (``vlguard``, ``knowledge_sanitization``), ``self_distill`` (the
refusal, own-answer replay, LoRA settings and yes/no columns of the generator trainers on a
user's model), ``train_data`` (a trainer's own folder) and ``hf_projection`` (``dp_finetune``
on a Hugging Face CLIP).
"""
