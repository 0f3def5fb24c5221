// The ipywidgets HTML manager loads its fonts relative to its RequireJS module path; chapter pages live in
// book/, so point that path at the site root, where scripts/vendor_assets.py put the manager.
require.config({paths: {"@jupyter-widgets/html-manager/dist": "../@jupyter-widgets/html-manager/dist"}});
