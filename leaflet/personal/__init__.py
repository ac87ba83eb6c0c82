"""A patient file (or a batch row) in, one patient's dated schedule out, and the pages
made for that patient joined before the shared leaflet.

`patient` reads and checks the patient format against the content; `personalise` lays
out the personal pages and reuses the leaflet's own pages. Only `patient` is re-exported:
`personalise` imports the layout, which a batch's main process must not load.
"""

from leaflet.personal.patient import (
    PATIENT,
    PATIENT_FIELDS,
    TIMESTAMP_TAG,
    Patient,
    load_patient,
    patient_from_node,
    template_context,
)

__all__ = ["PATIENT", "PATIENT_FIELDS", "TIMESTAMP_TAG", "Patient", "load_patient",
           "patient_from_node", "template_context"]
