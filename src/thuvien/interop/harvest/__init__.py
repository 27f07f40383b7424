"""OAI-PMH harvester: remote repositories into the union catalogue (see ``service``)."""
