"""OAI-PMH 2.0 provider at ``/oai``: the union catalogue for harvesters."""
