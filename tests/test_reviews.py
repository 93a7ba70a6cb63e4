"""Reviews: the client of a delivered writing order rates its author once (the author's
rating follows the author.rating rule set, which the owner tunes), reviews the company
(public after approval); the forum with moderation; the per-order chat."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuthorReview, Decision, RuleSet, StaffProfile
from app.services.rulesets import default_rule_sets
from catalog_helpers import new_author, order_in_state, ready_order


def _rating(app, user_id) -> Decimal:
    with app.app_context():
        return db.session.execute(select(StaffProfile.rating).where(StaffProfile.user_id == user_id)).scalar_one()


def _rate(client, order_id, stars, comment=None):
    return client.post("/api/v1/author_review/", json={"order_id": order_id, "stars": stars, "comment": comment})


def test_default_rating_rule_holds_until_three_reviews_then_averages(app, login_as):
    author = new_author(app, rating="2")
    orders = [ready_order(app, author_id=author) for _ in range(4)]
    customer = login_as("customer")
    first = _rate(customer, orders[0], 5, "Excellent")
    assert first.status_code == 201, first.json
    assert first.json["rating_before"] == "2.00" and first.json["rating_after"] == "2.00"  # held: too few reviews
    assert _rate(customer, orders[1], 4).json["rating_after"] == "2.00"
    third = _rate(customer, orders[2], 3).json
    assert third["rating_after"] == "4.00" and _rating(app, author) == Decimal("4.00")  # (5 + 4 + 3) / 3
    assert _rate(customer, orders[3], 5).json["rating_after"] == "4.25"
    with app.app_context():
        review = db.session.execute(select(AuthorReview).where(AuthorReview.order_id == orders[2])).scalar_one()
        decision = db.session.get(Decision, review.decision_id)
        assert decision.order_id == orders[2] and decision.rule_set_key == "author.rating"
        assert decision.actions[0]["name"] == "set_rating" and decision.values["average_last_10"] == "4.00"


def test_one_rating_per_order_only_by_its_client_only_when_ready(app, login_as):
    author = new_author(app)
    order = ready_order(app, author_id=author)
    customer = login_as("customer")
    bad = _rate(customer, order, 6)
    assert bad.status_code == 422 and "stars" in bad.json["message"]
    assert _rate(login_as("manager"), order, 5).status_code in (403, 404)
    assert _rate(customer, order, 4).status_code == 201
    again = _rate(customer, order, 5)
    assert again.status_code == 422 and "already" in again.json["message"]["order_id"][0]
    not_ready = order_in_state(app, "started")
    early = _rate(customer, not_ready, 5)
    assert early.status_code == 422 and "order_id" in early.json["message"]
    assert _rate(customer, 10**8, 5).status_code == 404
    mine = customer.get("/api/v1/author_review/").json
    assert mine["count"] >= 1 and all(r["customer"]["id"] for r in mine["result"])


def test_the_owner_tunes_the_rating_rule_in_the_rules_editor(app, login_as):
    owner = login_as("owner")
    with app.app_context():
        rule_set_id = db.session.execute(select(RuleSet.id).where(RuleSet.key == "author.rating")).scalar_one()
    tuned = [{"name": "Each review counts at once", "conditions": {"all": [
        {"name": "reviews_count", "operator": "greater_than_or_equal_to", "value": 1}]},
        "actions": [{"name": "set_rating", "params": {"rating": {"variable": "review_stars"}}},
                    {"name": "adjust_rating", "params": {"amount": 9}}]}]
    bad = owner.post(f"/api/v1/ruleset/{rule_set_id}/draft", json={"rules": [{"conditions": {"all": [
        {"name": "stars_of_review", "operator": "equal_to", "value": 1}]}, "actions": [{"name": "set_rating"}]}]})
    assert "stars_of_review" in str(bad.json)
    draft = owner.post(f"/api/v1/ruleset/{rule_set_id}/draft", json={"rules": tuned})
    assert draft.status_code == 200, draft.json
    dry = owner.post(f"/api/v1/ruleset/{rule_set_id}/dry_run", json={"rules": tuned, "limit": 50})
    assert dry.status_code == 200 and dry.json["records"] >= 1
    number = draft.json.get("number") or draft.json.get("version", {}).get("number")
    published = owner.post(f"/api/v1/ruleset/{rule_set_id}/publish", json={"number": number})
    assert published.status_code == 200, published.json
    try:
        author = new_author(app, rating="3")
        order = ready_order(app, author_id=author)
        review = _rate(login_as("customer"), order, 2).json
        assert review["rating_after"] == "5.00"  # 2 + 9, bounded to 5
    finally:
        owner.post(f"/api/v1/ruleset/{rule_set_id}/rollback", json={"number": 1})
    with app.app_context():
        assert default_rule_sets()["author.rating"].rules[0]["name"] == "Too few reviews yet"


def test_the_client_reviews_the_company_and_staff_approve_it(app, login_as, client):
    order = ready_order(app)
    customer = login_as("customer")
    short = customer.post("/api/v1/company_review/", json={"order_id": order, "stars": 5, "text": "ok"})
    assert short.status_code == 422 and "text" in short.json["message"]
    text = "Friendly managers and an author who listened to every remark."
    created = customer.post("/api/v1/company_review/", json={"order_id": order, "stars": 4, "text": text})
    assert created.status_code == 201 and created.json["status"] == "pending"
    assert text not in client.get("/reviews/").data.decode()
    assert text not in str(client.get("/api/v1/reviews/").json)
    manager = login_as("manager")
    reject = manager.post(f"/api/v1/company_review/{created.json['id']}/moderate", json={"approve": False})
    assert reject.status_code == 422 and "reason" in reject.json["message"]
    approve = manager.post(f"/api/v1/company_review/{created.json['id']}/moderate", json={"approve": True})
    assert approve.status_code == 200 and approve.json["status"] == "approved"
    assert text in client.get("/reviews/").data.decode()
    public = client.get("/api/v1/reviews/").json
    assert public["count"] >= 1 and any(r["text"] == text and r["by"] == "Citra C." for r in public["reviews"])
    twice = customer.post("/api/v1/company_review/", json={"order_id": order, "stars": 5, "text": text})
    assert twice.status_code == 422
    assert customer.post(f"/api/v1/company_review/{created.json['id']}/moderate", json={"approve": False,
                                                                                        "reason": "x"}).status_code == 403


def test_review_page_of_a_delivered_order_in_the_browser(app, login_as):
    author = new_author(app, rating="4")
    order = ready_order(app, author_id=author)
    customer = login_as("customer")
    page = customer.get(f"/reviews/order/{order}").data.decode()
    assert "author-review-form" in page and "company-review-form" in page
    done = customer.post(f"/reviews/order/{order}", data={"kind": "author", "stars": "5", "comment": "Great"},
                         follow_redirects=True).data.decode()
    assert "Thank you for rating the author" in done and "author-review-done" in done
    bad = customer.post(f"/reviews/order/{order}", data={"kind": "company", "stars": "5", "text": "short"}).data.decode()
    assert "write at least 10 characters" in bad
    my_orders = customer.get("/shop/my-orders").data.decode()
    assert f"/reviews/order/{order}" in my_orders
    assert login_as("admin").get(f"/reviews/order/{order}").status_code == 404  # not their order
    staff = login_as("manager").get("/authorreviewview/list/").data.decode()
    assert "Great" in staff


@pytest.fixture
def forum_topic(login_as):
    response = login_as("customer").post("/api/v1/forum/topics", json={"title": "Deadlines in summer?",
                                                                       "body": "Do authors work in July?"})
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_forum_public_reading_logged_in_writing_and_moderation(app, client, login_as, forum_topic):
    assert client.post("/api/v1/forum/topics", json={"title": "Anon", "body": "x"}).status_code == 401
    topics = client.get("/api/v1/forum/topics").json["topics"]
    assert any(t["id"] == forum_topic for t in topics)
    author = login_as("author")
    reply = author.post(f"/api/v1/forum/topics/{forum_topic}/posts", json={"body": "Yes, most of us do."})
    assert reply.status_code == 201
    spam = login_as("customer").post(f"/api/v1/forum/topics/{forum_topic}/posts", json={"body": "cheap pills"}).json
    assert login_as("customer").post(f"/api/v1/forum/posts/{spam['id']}/hide",
                                     json={"reason": "x"}).status_code == 403
    manager = login_as("manager")
    assert manager.post(f"/api/v1/forum/posts/{spam['id']}/hide", json={}).status_code == 422
    hidden = manager.post(f"/api/v1/forum/posts/{spam['id']}/hide", json={"reason": "advertising"})
    assert hidden.status_code == 200 and hidden.json["hidden"]
    public = client.get(f"/api/v1/forum/topics/{forum_topic}").json["posts"]
    assert [p["body"] for p in public] == ["Do authors work in July?", "Yes, most of us do."]
    assert "cheap pills" not in client.get(f"/forum/topic/{forum_topic}").data.decode()
    staff_view = manager.get(f"/forum/topic/{forum_topic}").data.decode()
    assert "cheap pills" in staff_view and "advertising" in staff_view
    manager.post(f"/api/v1/forum/topics/{forum_topic}/flags", json={"locked": True})
    closed = login_as("customer").post(f"/api/v1/forum/topics/{forum_topic}/posts", json={"body": "more?"})
    assert closed.status_code == 422 and "topic" in closed.json["message"]
    empty = login_as("customer").post("/api/v1/forum/topics", json={"title": "", "body": ""})
    assert empty.status_code == 422 and {"title", "body"} <= set(empty.json["message"])


def test_forum_in_the_browser(app, login_as, client):
    assert "How do you choose a ready-made work?" in client.get("/forum/").data.decode()  # demo topic
    customer = login_as("customer")
    created = customer.post("/forum/", data={"title": "Citation styles", "body": "APA or GOST?"})
    assert created.status_code == 302
    topic_page = customer.get(created.headers["Location"]).data.decode()
    assert "APA or GOST?" in topic_page and "reply-form" in topic_page
    assert client.post("/forum/", data={"title": "x", "body": "y"}).status_code == 302  # to the login page


def test_order_chat_between_client_and_manager(app, login_as):
    order = order_in_state(app, "started")
    customer = login_as("customer")
    sent = customer.post(f"/api/v1/forum/order/{order}/messages", json={"body": "Can you add a chapter on trade?"})
    assert sent.status_code == 201
    manager = login_as("manager")
    answer = manager.post(f"/chat/order/{order}", data={"body": "Yes, the author will add it."})
    assert answer.status_code == 302
    messages = customer.get(f"/api/v1/forum/order/{order}/messages").json["messages"]
    assert [m["body"] for m in messages] == ["Can you add a chapter on trade?", "Yes, the author will add it."]
    assert "Yes, the author will add it." in customer.get(f"/chat/order/{order}").data.decode()
    assert login_as("technician").get(f"/api/v1/forum/order/{order}/messages").status_code == 404
    inbox = customer.get("/api/v1/inbox/").json
    assert "Yes, the author will add it." in str(inbox)
