from helpers import login


def test_landing_lists_active_services(client):
    html = client.get("/").get_data(as_text=True)
    assert "GMAIL-ACC" in html and "Academic paper" in html


def test_manager_sees_orders_list(client):
    login(client, "manager")
    html = client.get("/orderview/list/?_oc_OrderView=number&_od_OrderView=asc").get_data(as_text=True)
    assert "RP-000001" in html
