"""Adding a contact by a known user id or email never opens a person of an account the member cannot see."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import Contact, CustomDimension, DimensionEntity, DimensionType


@pytest.fixture
def hidden_person(other_account):
    """A person known only at another CSM's account, with details and a custom dimension value."""
    plan = CustomDimension.objects.create(
        key="plan", label="Plan", data_type=DimensionType.TEXT, entity=DimensionEntity.CONTACT
    )
    return services.contact_create(
        account=other_account,
        name="Greta Globex",
        email="greta@globex.example",
        user_id="g-1",
        title="CFO",
        phone="+1 555 0100",
        dimensions={plan: "Gold"},
    )


def test_it_refuses_a_restricted_member_a_person_known_by_user_id_elsewhere(account, csm, hidden_person):
    with pytest.raises(ValidationError) as exc:
        services.contact_create(account=account, by=csm, name="Greta", user_id="g-1")
    assert "account you cannot see" in " ".join(exc.value.message_dict["user_id"])
    assert not account.contacts.exists()


def test_it_refuses_a_restricted_member_a_person_known_by_email_elsewhere(account, csm, hidden_person):
    with pytest.raises(ValidationError) as exc:
        services.contact_create(account=account, by=csm, name="Greta", email="GRETA@globex.example")
    assert "account you cannot see" in " ".join(exc.value.message_dict["email"])
    assert not account.contacts.exists()


def test_a_member_who_sees_all_accounts_links_the_known_person(account, manager, hidden_person):
    contact = services.contact_create(account=account, by=manager, name="G", user_id="g-1")
    assert contact == hidden_person
    assert account.contacts.get() == hidden_person


def test_a_person_at_an_account_the_member_sees_is_linked_without_overwriting_details(
    account, csm, manager, other_account, hidden_person
):
    services.account_assign_csms(account=other_account, csms=[csm, *other_account.csms.all()], by=manager)
    plan = CustomDimension.objects.get(key="plan")
    contact = services.contact_create(
        account=account,
        by=csm,
        name="Someone Else",
        email="greta@globex.example",
        title="Intern",
        dimensions={plan: "Free"},
    )
    assert contact == hidden_person
    contact.refresh_from_db()
    assert (contact.name, contact.title, contact.phone) == ("Greta Globex", "CFO", "+1 555 0100")
    assert contact.dimension_values.get().value == "Gold"
    assert account.contacts.get() == contact


def test_the_contact_form_shows_the_refusal_on_the_field(csm_client, account, hidden_person):
    plan = CustomDimension.objects.get(key="plan")
    response = csm_client.post(
        reverse("accounts:contact_add", args=[account.pk]),
        {"name": "Greta", "user_id": "g-1", f"dim_{plan.key}": "Hacked"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "account you cannot see" in body
    # Nothing of the hidden person shows, and nothing of them changed.
    assert "Greta Globex" not in body and "greta@globex.example" not in body and "CFO" not in body
    assert not account.contacts.exists()
    assert hidden_person.dimension_values.get().value == "Gold"
    page = csm_client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "Greta Globex" not in page and "greta@globex.example" not in page


def test_the_contact_form_links_a_known_person_and_says_their_details_were_kept(manager_client, account, hidden_person):
    response = manager_client.post(
        reverse("accounts:contact_add", args=[account.pk]),
        {"name": "G. Globex", "email": "greta@globex.example"},
        follow=True,
    )
    assert response.status_code == 200
    assert "already known" in response.content.decode()
    assert account.contacts.get() == hidden_person
    assert Contact.objects.get(pk=hidden_person.pk).name == "Greta Globex"
