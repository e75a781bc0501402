# SPDX-License-Identifier: GPL-2.0
"""literalinclude that can quote a C function or struct by name.

    .. literalinclude:: ../../kmod/pipe.c
       :language: c
       :function: kipc_pipe_read_iter
       :start-at: mutex_lock(&p->lock);
       :end-before: if (ret > 0) {

:function: NAME keeps the definition of NAME, from its first line (at the
left margin, not a prototype) to its closing brace at the left margin;
:struct: NAME keeps "struct NAME {" to "};". :with-comment: adds the
comment right above it (its kernel-doc). Sphinx's own start/end options
then cut inside what was kept, so a quote follows the code when lines are
added above it or inside it, and the build fails (a warning, an error
under make lint) when the name or a marker is gone. A quote from inside
a function to its end leaves out the function's closing brace.
"""

import re

from docutils.parsers.rst import directives
import sphinx.directives.code as code


def _comment_start(lines, i):
    """Index of the first line of the comment ending right above line i."""
    j = i - 1
    if j < 0 or not lines[j].rstrip().endswith('*/'):
        return i
    while j >= 0 and not lines[j].lstrip().startswith('/*'):
        j -= 1
    return j if j >= 0 else i


def _c_object(lines, kind, name, filename):
    if kind == 'struct':
        start_re = re.compile(r'^struct %s \{$' % re.escape(name))
        end_re = re.compile(r'^\};$')
    else:
        # A definition: at the margin, NAME( on the line, no ';' ending it.
        start_re = re.compile(r'^(?:[A-Za-z_].*\W)?%s\(' % re.escape(name))
        end_re = re.compile(r'^\}$')
    for i, line in enumerate(lines):
        text = line.rstrip('\n')
        if not start_re.match(text) or (kind != 'struct' and text.endswith(';')):
            continue
        for j in range(i + 1, len(lines)):
            if end_re.match(lines[j].rstrip('\n')):
                return i, j + 1
        break
    raise ValueError('%s %r not found in %r' % (kind, name, filename))


class KipcReader(code.LiteralIncludeReader):
    def pyobject_filter(self, lines, location=None):
        for kind in ('function', 'struct'):
            name = self.options.get(kind)
            if not name:
                continue
            start, end = _c_object(lines, kind, name, self.filename)
            if 'with-comment' in self.options:
                start = _comment_start(lines, start)
            if 'lineno-match' in self.options:
                self.lineno_start = start + 1
            return lines[start:end]
        return super().pyobject_filter(lines, location=location)

    def dedent_filter(self, lines, location=None):
        # A quote from inside a function to its end leaves out the closing
        # brace at the margin, which would defeat :dedent:.
        o = self.options
        if (o.get('function') and ('start-at' in o or 'start-after' in o)
                and not ('end-at' in o or 'end-before' in o)
                and lines and lines[-1].rstrip('\n') == '}'):
            lines = lines[:-1]
        return super().dedent_filter(lines, location=location)


class KipcLiteralInclude(code.LiteralInclude):
    option_spec = dict(code.LiteralInclude.option_spec,
                       function=directives.unchanged_required,
                       struct=directives.unchanged_required)
    option_spec['with-comment'] = directives.flag


def setup(app):
    # LiteralInclude.run() looks the reader up in its module at run time.
    code.LiteralIncludeReader = KipcReader
    app.add_directive('literalinclude', KipcLiteralInclude, override=True)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
