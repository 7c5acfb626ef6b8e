"""Upward reports (首报 / 续报 / 终报 / 日报): the pure draft builder, the frozen document, and rendering.

`reports.draft` turns typed facts read from the log into a draft (data and `now` in, data out);
`reports.document` freezes an edited draft into the document that is approved and sent; `reports.pdf`
and `reports.docx` render that document (GB/T 9704-2012). The console's reports domain
(console.reports) is the only caller that reads the log.
"""
