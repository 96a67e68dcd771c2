// What is directly linked to an entity or a paper (its papers and entities, by relation)?
// param name: string -- an entity's id, name or alias, or a paper's id or title (case-insensitive)
// param relations: list = ["PROPOSES", "EVALUATES_ON", "BUILDS_ON", "USES", "COMPARES_WITH", "ADDRESSES", "EVALUATED_ON", "VARIANT_OF"] -- relation types to follow
// param limit: int = 50 (1..100000) -- how many rows
// columns: node, relation, direction, neighbour, kind, year, confidence, support, node_id, id
// example: {"name": "DistilBERT", "relations": ["PROPOSES", "EVALUATES_ON", "BUILDS_ON", "USES", "COMPARES_WITH", "ADDRESSES", "EVALUATED_ON", "VARIANT_OF"], "limit": 50}
// :params {name: 'DistilBERT', relations: ['PROPOSES', 'EVALUATES_ON', 'BUILDS_ON', 'USES', 'COMPARES_WITH', 'ADDRESSES', 'EVALUATED_ON', 'VARIANT_OF'], limit: 50}
CALL {
  MATCH (e:Entity)
  WHERE kg.entity_named(e, $name)
  RETURN e AS n
  UNION
  MATCH (p:Paper)
  WHERE kg.paper_named(p, $name)
  RETURN p AS n
}
MATCH (n)-[r]-(m)
WHERE type(r) IN $relations AND (m:Paper OR m:Entity)
RETURN coalesce(n.name, n.title) AS node, type(r) AS relation,
       CASE WHEN startNode(r) = n THEN 'out' ELSE 'in' END AS direction,
       coalesce(m.name, m.title, m.id) AS neighbour, coalesce(m.type, CASE WHEN m:Paper THEN 'Paper' END) AS kind,
       m.year AS year, r.confidence AS confidence, r.support AS support, n.id AS node_id, m.id AS id
ORDER BY node_id, relation, direction, confidence DESC, id
LIMIT toInteger($limit)
