"""Validate: check the built graph against ontology/shapes.ttl with pySHACL.

pySHACL runs with inference off and the ontology in the data graph: RDFS inference would type
every subject and object from the property domains and ranges, so no range check could ever
fail.  The graph is copied into an in-memory rdflib graph because pySHACL makes many small
lookups, which are far cheaper there than across the store's FFI boundary.
"""

from __future__ import annotations

from .store import ONTOLOGY_DIR


def validate(store) -> tuple[bool, str]:
    import pyoxigraph as ox
    import pyshacl
    import rdflib

    data = rdflib.Graph()
    nt = ox.serialize(
        (ox.Triple(q.subject, q.predicate, q.object) for q in store.all_quads()),
        format=ox.RdfFormat.N_TRIPLES,
    )
    data.parse(data=nt.decode("utf-8"), format="nt")
    shapes = rdflib.Graph().parse(ONTOLOGY_DIR / "shapes.ttl")
    onto = rdflib.Graph().parse(ONTOLOGY_DIR / "kg.ttl")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, ont_graph=onto, inference="none", allow_warnings=True)
    return bool(conforms), text.strip()
