import factory
from django.contrib.auth.hashers import make_password

from team.models import Role, TeamGroup, User


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Role {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"member{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.LazyFunction(lambda: make_password("correct-horse-battery-staple"))


class TeamGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamGroup

    name = factory.Sequence(lambda n: f"Group {n}")
