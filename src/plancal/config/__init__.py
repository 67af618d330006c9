"""Settings: one declared schema for the settings file and ``PLANCAL_<SECTION>_<KEY>``.

Public: ``settings.load(path) -> Settings``, ``settings.SECTIONS``, ``settings.env_name``.
Secrets come from the environment or the keyring, never from the file.
"""
