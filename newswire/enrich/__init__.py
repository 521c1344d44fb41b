"""Enrichment: every item leaves richer than it came (places, people, organisations,
subjects, language, story threads), locally, with nothing fetched at run time.

``base`` is the contract (a ``Step`` finds, the pipeline merges); each step is a module
named in ``base.STEPS``.
"""
