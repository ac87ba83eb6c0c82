"""A Document and a theme in, finished PDF bytes out, and PDFs read back to prove them.

`fonts` registers the bundled families; `layout` turns the Document into pages with
ReportLab, tagged as it draws them (`tagging`: the structure tree, PDF/UA-1); `finish`
adds metadata, XMP (`xmp`) and the structure tree's objects; `impose` makes the booklet
sheets (untagged: a print imposition);
`combine` joins PDFs; `writer` writes every finished file, one revision with one
cross-reference table; `readback` and `inspect` read a PDF's text runs and hold them to a
profile.

Nothing is re-exported here on purpose: importing this package must not import
ReportLab's layout, so that a process which only joins or inspects PDFs (a batch's
main process, `leaflet inspect`) stays light. Import the module you need.
"""
