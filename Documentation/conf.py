# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration of kipc's Documentation/: `make docs` builds it into
# build/docs, `make lint` again with warnings as errors.

import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(here)
# The kernel's kernel-doc script and its Sphinx extension, extracted from
# linux-source-6.1 by `make docs` (never committed).
kdoc = os.environ.get('KIPC_KDOC', os.path.join(top, 'build', 'linux-doc'))

sys.path.insert(0, os.path.join(here, 'sphinx'))
sys.path.insert(0, os.path.join(kdoc, 'Documentation', 'sphinx'))

project = 'kipc'
author = 'the kipc authors'
copyright = 'GPL-2.0'

extensions = ['kerneldoc', 'kipc_source', 'sphinx.ext.graphviz']

kerneldoc_bin = os.path.join(kdoc, 'scripts', 'kernel-doc')
kerneldoc_srctree = top

# Diagrams: Documentation/internals/*.dot, drawn by graphviz's dot.
graphviz_output_format = 'svg'
graphviz_dot_args = ['-Gfontname=sans-serif', '-Nfontname=sans-serif',
                     '-Efontname=sans-serif']

master_doc = 'index'
exclude_patterns = ['sphinx']
highlight_language = 'none'
primary_domain = 'c'
html_title = 'kipc'
html_theme = 'alabaster'
html_static_path = []
