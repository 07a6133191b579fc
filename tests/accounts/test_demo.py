from accounts.demo import seed_accounts
from accounts.models import Account, AccountCSM, AccountDimensionValue, Contact, Interaction, StageHistory
from team.demo import seed_team


def test_it_seeds_realistic_data_and_tops_up(db):
    seed_team()
    seed_accounts(accounts=40)
    assert Account.objects.count() == 40
    assert Contact.objects.count() >= 40 * 3
    assert StageHistory.objects.count() >= 40
    assert AccountCSM.objects.exists() and Interaction.objects.exists()
    # Every type of custom dimension has values: regions and seats on every account.
    kinds = set(AccountDimensionValue.objects.values_list("dimension__data_type", flat=True))
    assert kinds == {"picklist", "number", "date", "text"}
    assert AccountDimensionValue.objects.filter(dimension__key="region").count() == 40
    # Nobody at a churned account has been seen since the day it churned.
    churned = Account.objects.filter(churned_on__isnull=False)
    assert churned.exists()
    for account in churned:
        seen = Contact.objects.filter(account_links__account=account, last_seen__isnull=False)
        assert seen and all(s.last_seen.date() <= account.churned_on for s in seen)
    names = list(Account.objects.order_by("account_id").values_list("name", flat=True))
    seed_accounts(accounts=40)  # safe to run again
    assert Account.objects.count() == 40
    seed_accounts(accounts=50)  # tops up
    assert Account.objects.count() == 50
    assert list(Account.objects.order_by("account_id").values_list("name", flat=True)[:40]) == names


def test_it_is_deterministic(db):
    seed_team()
    seed_accounts(accounts=10)
    first = list(Account.objects.order_by("account_id").values_list("name", "csm_score"))
    Account.objects.all().delete()
    Contact.objects.all().delete()
    seed_accounts(accounts=10)
    assert list(Account.objects.order_by("account_id").values_list("name", "csm_score")) == first
