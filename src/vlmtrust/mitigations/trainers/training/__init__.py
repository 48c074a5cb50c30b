"""Training helpers shared by the trainer plugins; nothing here is registered.

``train_data`` (the user's own training rows, ``<trainer>:train_data=PATH``), ``tower_data``
(those rows as the tower trainers read them), ``scenes`` (the world scenes every clip trainer
draws on zoo models, rendered with the model's own preprocessing), ``clip_data`` (the fairness
training set of ``dear``, ``resample``, ``backdoor_purge``), ``clip_head`` (``ClipFinetune``,
the projection-head fine-tune behind ``overfit``, ``dp_finetune``, ``adv_regularization`` and
LiRA's shadow heads), ``tower_finetune`` (``SplitTower`` and ``TowerTrainer``: the tower
fine-tune of ``mixgen``, ``biaug``, ``align``, ``resample``), ``adversarial_finetune``
(``pgd_at``, ``villa``), ``assistant_finetune`` (``vlguard``, ``knowledge_sanitization``),
``self_distill`` (the refusal, own-answer replay, LoRA settings and yes/no columns of the
generator trainers on a user's model), ``tower_lora`` (LoRA adapters on a vision
transformer, merged after: ``dp_finetune:lora_rank``), ``neighbours`` (the neighbourhood-
preservation, or calibration, loss of ``dear`` and the disentanglers), ``disentangle`` (the
group/content split, its trainer skeleton and wrapped model, behind ``disentangle_vae`` and
``disentangle_adversarial``) and ``group_adversary`` (the adversary on a generator's hidden
states and the fresh probe of ``adversarial_instruct``).
"""
