from tests.integration.test_postgres_adapter import *
from tests.integration.test_postgres_adapter import database, uow, owner, new_entity, new_tag, save, T0
def test_dbg(uow, owner):
    entity = new_entity(owner)
    tag = new_tag(owner)
    save(uow, entity, tag)
    with uow() as work:
        from conezia.adapters.postgres import organizing as o
        r = work.tags._connection.execute(o._ATTACH, {"user_id": owner.id, "entity_id": entity.id, "tag_id": tag.id, "at": T0})
        print("rowcount", r.rowcount, r.context.compiled.string, r.context.compiled_parameters)
        print(work.tags._connection.exec_driver_sql("select * from entity_tags").all())
