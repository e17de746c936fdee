# GENERATED from tests/_async/__init__.py by scripts/gen_sync.py. DO NOT EDIT.

