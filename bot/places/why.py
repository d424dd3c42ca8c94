"""The door in words: why this place, and what is not confirmed. French first, through the catalogues."""

from __future__ import annotations

from dataclasses import replace

from bot.i18n import Translator
from bot.places.doors import Door
from bot.places.location import Location


def reason_text(door: Door, t: Translator) -> str:
    """One sentence saying why this door was chosen."""
    if door.reason == "quartier" and door.place is not None:
        return t._("C'est l'accueil de votre quartier, {quartier}.").format(quartier=door.quartier)
    if door.reason == "home" and door.place is not None:
        return t._("Votre quartier, {quartier}, n'a pas son propre accueil : {place} reçoit les habitants "
                   "de tous les quartiers.").format(quartier=door.quartier, place=door.place.name)
    if door.reason == "nearest" and door.distance_m is not None:
        km = t.number(round(door.distance_m / 1000, 1))
        return t._("C'est l'accueil le plus proche de l'endroit indiqué, à {distance} km.").format(distance=km)
    if door.reason == "commune":
        return t._("Vous habitez {commune} : pour les aides de votre commune, la porte d'entrée est son CCAS "
                   "(centre communal d'action sociale), le plus souvent à la mairie.").format(commune=door.commune)
    if door.reason == "outside":
        return t._("Cet endroit semble hors de Nantes Métropole : voici l'accueil principal du CCAS de Nantes.")
    return t._("Je ne sais pas encore où vous habitez : voici l'accueil principal.")


def commune_lines(door: Door, t: Translator) -> list[str]:
    """The contact of another commune's CCAS, as far as it is sourced, and what it does not cover."""
    lines = []
    contact = door.contact
    if contact is None:
        lines.append(t._("Nous n'avons pas encore ses coordonnées : demandez à l'accueil de la mairie de {commune}.")
                     .format(commune=door.commune))
    else:
        lines += [contact.door] + [text for text in (contact.address,) if text]
        if contact.phone:
            lines.append(t._("Tél. {phone}").format(phone=contact.phone))
        lines += [t.k(text) for text in (contact.hours, contact.note) if text]
    lines.append(t._("Les aides de la Ville de Nantes sont pour les habitants de Nantes. Les droits nationaux "
                     "(CAF, RSA, santé) et les aides de la métropole restent ouverts."))
    return lines


def unconfirmed_text(door: Door, phone: str, t: Translator) -> str | None:
    """Said once, when a fact of the door could not be sourced."""
    if not door.unconfirmed:
        return None
    return t._("Certaines de ces informations ne sont pas confirmées. Pour vérifier, appelez le CCAS de Nantes "
               "au {phone}.").format(phone=phone)


def ask_text(location: Location, t: Translator) -> str | None:
    """The question to ask when the words do not settle the door, or None."""
    if location.alternatives:
        return t._("Plusieurs endroits portent ce nom. Lequel est le vôtre ?")
    if location.spans:
        return t._("Cette rue traverse plusieurs quartiers. À quel numéro, ou près de quel lieu habitez-vous ?")
    return None


def options(location: Location) -> tuple[Location, ...]:
    """The places to offer when the words name several: the best match first, unless it is only the
    undecided whole (a street across quartiers, a postcode of several communes)."""
    if not location.alternatives:
        return ()
    if location.spans or location.insee is None:
        return location.alternatives
    return (replace(location, alternatives=()), *location.alternatives)


def choice_label(location: Location) -> str:
    """An alternative as the person would recognise it: with its quartier or commune."""
    if location.quartier and location.quartier not in location.label:
        return f"{location.label}, {location.quartier}"
    return location.label
