"""Analyses over the stored aggregates, each computed once here so that pages, the CLI and the reports show
the same figures. Pure: pandas frames in, frames and dataclasses out; no database (the read models in
shnor/read/analyses.py fetch the data and apply the user's scope).

- `objectivity.py`: ВПР marks against journal marks per school and procedure, the flag of possibly
  non-objective results and its criterion shown to users;
- `tasks.py`: completion of each task of a work («поэлементный анализ») against the territory and region;
- `exit.py`: what the next results must be for a ШНОР to leave the list (and what would put a school of
  the risk group on it), in the rule's own terms;
- `similar.py`: a school beside schools like it (size, urban/rural, ШНСУ, type);
- `forecast.py`: the share of ШНОР next year if each school's trend continues, as an estimate with a range.
"""
