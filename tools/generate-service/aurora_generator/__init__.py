"""Aurora's service generator: ``./pants run tools/generate-service -- <name> <port>``.

The command line lives in :mod:`aurora_generator.cli`; the template tree in
``templates/service/``.
"""
