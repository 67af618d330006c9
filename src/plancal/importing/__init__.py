"""From a plan document (Word, PDF or plain text) to a draft plan file: ``plancal import``.

``document`` is the intermediate form every reader produces: paragraphs and tables in reading
order. ``readers`` turns a file of each kind into it (python-docx and pdfplumber are imported
there, inside the function that needs them). The rest is pure: ``layout`` finds the activity
tables, their areas and the prose the plan needs (title, period, evaluation); ``roles`` reads
the *Vem* column, ``followups`` the *Uppföljning* column; ``draft`` writes the plan text with
every guess marked ``# antagande: …`` and the checklist of what a person must confirm.
"""
