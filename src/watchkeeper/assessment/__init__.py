"""Assessment: estimates with their disagreements, sector and capability trackers, the
partnership's possible futures, Monte Carlo models and the monitoring report.

- ``data/``: the bundled assessment dataset (estimates, scenarios, indicators, the
  analysts' priors, likelihoods and consistency marks, capability statuses, open
  questions) and the declarations it uses (measures, evidence grading, model assumptions,
  a gazetteer for the map), all YAML, each item cited.
- ``dataset`` reads and checks that data (or an analyst's file of the same shape);
  ``loader`` writes it through the store's one write path into the ``estimate`` and
  ``judgment`` tables (``store/assessment_schema.py`` says why tables).
- ``estimates``, ``trackers``, ``futures`` (with the pure ``bayes`` and ``ach``) read
  through a viewer's read path and return plain data (``weighing`` says whose judgment
  is used and how far one piece of evidence may move the odds); ``judgments`` states the key
  judgments (likelihood and confidence apart) and where they depart from the seed essay;
  ``models`` runs the seeded Monte Carlo models and ``modelcheck`` holds their output
  against the best-graded estimates; ``charts`` draws SVG; ``report`` renders the
  monitoring report (HTML and, with WeasyPrint, PDF) per partner.
"""
