"""Sphinx hooks for the book: drop script tags registered twice (sphinx-thebe 0.3.1 under Sphinx 7 adds its
`const THEBE_JS_URL` block twice, which throws "Identifier 'THEBE_JS_URL' has already been declared")."""


def _script_key(script) -> tuple:
    """What makes two script tags the same: file name (None and "" alike: an inline script) and attributes,
    the body of an inline script included."""
    attributes = getattr(script, "attributes", {})
    return getattr(script, "filename", str(script)) or "", tuple(sorted((k, str(v)) for k, v in attributes.items()))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of identical script tags on every page."""
    seen, kept = set(), []
    for script in context.get("script_files", []):
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
