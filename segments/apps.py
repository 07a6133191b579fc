from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "segments"
    verbose_name = "Lists"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts.panels import register_list_views
        from core.demo import register_report, register_seeder
        from core.navigation import HomePanel, NavItem, register, register_home_panel
        from segments.demo import report, seed_segments
        from segments.home import book_numbers
        from segments.selectors import account_list_views
        from segments.services import examples_install_after_migrate

        register(NavItem(key="lists", label="Lists", url_name="segments:index", order=40))
        register_seeder("segments", 95, seed_segments)  # after the pipeline: its lists read metrics
        register_report("segments", 95, report)
        # Saved account lists become views of the account list.
        register_list_views(account_list_views)
        register_home_panel(HomePanel("book", "Your book", "segments/home_book.html", book_numbers, order=10))
        post_migrate.connect(examples_install_after_migrate, sender=self, dispatch_uid="segments_examples")
