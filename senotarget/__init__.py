"""senotarget: rank ChEMBL compounds as senolytic, senomorphic or senoreverter candidates.

Importing the package is cheap and never touches the network: pandas, RDKit and the ChEMBL web
client are imported inside the functions that need them.
"""

__all__: list[str] = []
