"""The real-browser test harness: :mod:`harness.lab` starts JupyterLab / Notebook 7 servers
and headless Chromium and drives notebooks; :mod:`harness.svg_compare` opens a notebook that
shows a widget and compares the page's picture with Python's. ``tests/conftest.py`` puts
``tests/`` on ``sys.path``, so tests import ``from harness.svg_compare import ...``."""
