"""The staff shell: navigation, practice name, logout; and the page decorator that guards it."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.ui.components.forms import privacy_links
from pakjeplekje.ui.state.base import full_page_post
from pakjeplekje.ui.state.billing import Banner, BannerState
from pakjeplekje.ui.state.session import SessionState

NAV = [
    ("Dashboard", routes.DASHBOARD, "layout-dashboard", False),
    ("Wachtlijst", routes.WAITLIST, "list-ordered", False),
    ("Plekken", routes.SLOTS, "calendar-clock", False),
    ("Resultaten", routes.RESULTS, "chart-column", False),
    ("Abonnement", routes.SUBSCRIPTION, "credit-card", True),
    ("Privacy", routes.PRIVACY, "shield-check", False),
    ("Instellingen", routes.SETTINGS, "settings", False),
]


def _nav_item(label: str, href: str, icon: str) -> rx.Component:
    active = rx.State.router.page.path == href
    return rx.link(
        rx.hstack(rx.icon(icon, size=18), rx.text(label), spacing="3", align="center"),
        href=href,
        underline="none",
        padding="0.5em 0.75em",
        border_radius="var(--radius-3)",
        width="100%",
        color=rx.cond(active, "var(--teal-11)", "var(--gray-12)"),
        background=rx.cond(active, "var(--teal-3)", "transparent"),
        aria_current=rx.cond(active, "page", ""),
    )


def _nav_items(*, in_menu: bool) -> list[rx.Component]:
    """The links of the main navigation; in the phone menu each one also closes the menu."""

    def item(label: str, href: str, icon: str) -> rx.Component:
        link = _nav_item(label, href, icon)
        return rx.drawer.close(link) if in_menu else link

    return [
        rx.cond(SessionState.is_owner, item(label, href, icon))
        if owner_only
        else item(label, href, icon)
        for label, href, icon, owner_only in NAV
    ]


def sidebar() -> rx.Component:
    """The navigation beside the page, from 1024 px wide (assets/pakjeplekje.css)."""
    return rx.el.nav(
        rx.vstack(
            rx.heading("PakJePlekje", size="5", color_scheme="teal", padding="0.5em 0.75em"),
            *_nav_items(in_menu=False),
            spacing="1",
            width="100%",
        ),
        aria_label="Hoofdmenu",
        class_name="pjp-sidebar",
    )


def mobile_menu() -> rx.Component:
    """Below 1024 px: a menu button in the top bar opens the navigation as a sheet from the
    left, with the practice and the user (the top bar has no room for them on a phone)."""
    return rx.drawer.root(
        rx.drawer.trigger(
            rx.icon_button(
                rx.icon("menu", size=20),
                variant="soft",
                color_scheme="gray",
                size="3",
                aria_label="Menu openen",
                class_name="pjp-menu-button",
            )
        ),
        rx.drawer.portal(
            rx.drawer.overlay(),
            rx.drawer.content(
                rx.drawer.title(
                    rx.heading("PakJePlekje", size="5", color_scheme="teal", as_="span")
                ),
                rx.vstack(
                    rx.text(SessionState.practice_name, weight="bold", size="2"),
                    rx.text(SessionState.user_name, size="1", color_scheme="gray"),
                    spacing="0",
                    class_name="pjp-drawer-who",
                ),
                rx.el.nav(
                    rx.vstack(*_nav_items(in_menu=True), spacing="1", width="100%"),
                    aria_label="Hoofdmenu",
                ),
                rx.drawer.close(
                    rx.button(
                        rx.icon("x", size=16),
                        "Menu sluiten",
                        variant="ghost",
                        color_scheme="gray",
                        margin_top="auto",
                    )
                ),
                class_name="pjp-drawer",
            ),
        ),
        direction="left",
    )


def topbar(title: str) -> rx.Component:
    return rx.el.header(
        mobile_menu(),
        rx.heading(title, size="6", as_="h1"),
        rx.box(
            rx.text(SessionState.practice_name, weight="bold", id="practice-name"),
            rx.text(SessionState.user_name, size="1", color_scheme="gray"),
            class_name="pjp-topbar-who",
        ),
        # A real POST navigation, not the client router: the server clears the HttpOnly cookie,
        # and a cross-site POST carries no SameSite=Lax cookie (no logout CSRF).
        rx.button(
            "Uitloggen",
            variant="soft",
            color_scheme="gray",
            on_click=full_page_post(routes.LOGOUT),
            class_name="pjp-topbar-logout",
        ),
        class_name="pjp-topbar",
    )


def forbidden() -> rx.Component:
    return rx.callout(
        "Geen toegang: deze pagina is alleen voor de eigenaar van de praktijk.",
        icon="lock",
        color_scheme="red",
        role="alert",
        id="geen-toegang",
    )


def footer() -> rx.Component:
    return rx.box(
        rx.text("© PakJePlekje", size="1", color_scheme="gray"),
        privacy_links(),
        class_name="pjp-footer",
    )


def _billing_banner(banner: rx.vars.ObjectVar[Banner]) -> rx.Component:
    return rx.callout(
        rx.hstack(
            rx.text(banner.text),
            rx.spacer(),
            rx.link(
                "Naar abonnement", href=routes.SUBSCRIPTION, weight="bold", white_space="nowrap"
            ),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        icon="triangle_alert",
        color_scheme=banner.color,
        role="alert",
        data_banner=banner.kind,
        margin_top="1em",
    )


def billing_banners() -> rx.Component:
    """Read-only / sending stopped for everyone; payment failed and SMS warnings for owners."""
    return rx.foreach(BannerState.banners, _billing_banner)


def shell(title: str, content: rx.Component, owner_only: bool) -> rx.Component:
    body = rx.cond(SessionState.access_denied, forbidden(), content) if owner_only else content
    return rx.box(
        sidebar(),
        rx.box(
            topbar(title),
            billing_banners(),
            rx.cond(
                SessionState.ready,
                rx.box(body, padding_top="1.5em"),
                rx.center(rx.spinner(size="3"), padding="4em"),
            ),
            footer(),
            class_name="pjp-main",
        ),
        class_name="pjp-shell",
    )


def staff_page(
    route: str, title: str, *, owner_only: bool = False, on_load: list | None = None
) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Register a logged-in page: the session (and owner role) is checked on the server on load.

    Event handlers re-check on their own; this guard only decides what the page renders.
    """
    guard = SessionState.require_owner if owner_only else SessionState.require_login

    def decorator(render: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def page() -> rx.Component:
            return shell(title, render(), owner_only)

        page.__name__ = render.__name__
        rx.page(
            route=route,
            title=f"{title} · PakJePlekje",
            on_load=[guard, BannerState.load_banner, *(on_load or [])],
        )(page)
        return render

    return decorator


def section(title: str, *children: rx.Component, **props) -> rx.Component:
    """A titled card: one part of a long page."""
    return rx.card(
        rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3", width="100%"),
        width="100%",
        **props,
    )
