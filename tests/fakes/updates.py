"""What residents' Telegram clients send, as Bot API updates (plain dicts, as Telegram's JSON).

`FakeBotApi` inherits these builders: `api.text_update(42, "bonjour")` makes an update and
`api.push_update(...)` queues it. Messages get ids from one counter per chat shared with the bot's
own messages, as in Telegram, so that a button press points at the message that showed the button.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any


class UpdateBuilders:
    def __init__(self, bot_user: dict[str, Any]) -> None:
        self.bot_user = bot_user
        self._update_ids = itertools.count(10_001)
        self._serials = itertools.count(4_611_686_018_427_387_904)
        self._chats: dict[int, dict[str, Any]] = {}
        self._message_ids: dict[int, int] = defaultdict(int)
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._last_bot_message: dict[int, int] = {}
        self._last_user_text: dict[int, int] = {}
        self._open_callback_queries: set[str] = set()

    # ------------------------------------------------------------------------- chats, messages

    def chat(self, chat_id: int) -> dict[str, Any]:
        """The chat with this id, made up on first use (private for positive ids, as in Telegram)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                chat = {"id": chat_id, "type": "private", "first_name": f"Résident {chat_id}"}
            else:
                chat = {"id": chat_id, "type": "supergroup" if chat_id <= -10**12 else "group", "title": "Groupe"}
            self._chats[chat_id] = chat
        return chat

    def new_message(self, chat: dict[str, Any], sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        self._message_ids[chat["id"]] += 1
        message = {"message_id": self._message_ids[chat["id"]], "from": sender, "chat": chat, "date": int(time.time())}
        message.update({key: value for key, value in content.items() if value is not None})
        self._messages[(chat["id"], message["message_id"])] = message
        if sender is self.bot_user:
            self._last_bot_message[chat["id"]] = message["message_id"]
        return message

    def user(self, user_id: int, *, language_code: str | None = "fr") -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"Résident {user_id}"}
        if language_code:
            user["language_code"] = language_code
        return user

    def _from_user(self, user_id: int, language_code: str | None, chat_id: int | None = None,
                   title: str | None = None, **content: Any) -> dict[str, Any]:
        user = self.user(user_id, language_code=language_code)
        chat = self.chat(user_id if chat_id is None else chat_id)
        if title:
            chat["title"] = title
        message = self.new_message(chat, user, **content)
        if "text" in message:
            self._last_user_text[chat["id"]] = message["message_id"]
        return message

    def _update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), kind: payload}

    def _file(self, kind: str) -> dict[str, str]:
        serial = next(self._serials)
        return {"file_id": f"fake-{kind}-{serial}", "file_unique_id": f"u{serial:x}"}

    # ------------------------------------------------------------------------- updates

    def text_update(self, user_id: int, text: str, chat_id: int | None = None, language_code: str | None = "fr",
                    entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return self._update("message", self._from_user(user_id, language_code, chat_id, text=text, entities=entities))

    def command_update(self, user_id: int, command: str, args: str | Iterable[str] | None = None,
                       chat_id: int | None = None, language_code: str | None = "fr") -> dict[str, Any]:
        """`/command args`, with the bot_command entity PTB's CommandHandler looks for."""
        command = command if command.startswith("/") else f"/{command}"
        if args is not None and not isinstance(args, str):
            args = " ".join(args)
        entity = {"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}
        return self.text_update(user_id, f"{command} {args}" if args else command, chat_id, language_code, [entity])

    def callback_update(self, user_id: int, data: str, message_id: int | None = None,
                        language_code: str | None = "fr") -> dict[str, Any]:
        """A press of a button with `data` on `message_id` (default: the bot's latest message to them)."""
        user = self.user(user_id, language_code=language_code)
        chat = self.chat(user_id)
        message_id = self._last_bot_message.get(user_id) if message_id is None else message_id
        message = self._messages.get((user_id, message_id or 0)) or self.new_message(chat, self.bot_user, text="…")
        query_id = str(next(self._serials))
        self._open_callback_queries.add(query_id)
        query = {"id": query_id, "from": user, "message": message, "chat_instance": str(user_id), "data": data}
        return self._update("callback_query", query)

    def location_update(self, user_id: int, latitude: float, longitude: float,
                        language_code: str | None = "fr") -> dict[str, Any]:
        location = {"latitude": latitude, "longitude": longitude}
        return self._update("message", self._from_user(user_id, language_code, location=location))

    def sticker_update(self, user_id: int, emoji: str = "👍", language_code: str | None = "fr") -> dict[str, Any]:
        sticker = {**self._file("sticker"), "type": "regular", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False, "emoji": emoji}
        return self._update("message", self._from_user(user_id, language_code, sticker=sticker))

    def photo_update(self, user_id: int, caption: str | None = None, language_code: str | None = "fr") -> dict[str, Any]:
        photo = [{**self._file("photo-s"), "width": 90, "height": 67}, {**self._file("photo-m"), "width": 1280, "height": 960}]
        return self._update("message", self._from_user(user_id, language_code, photo=photo, caption=caption))

    def voice_update(self, user_id: int, duration: int = 3, language_code: str | None = "fr") -> dict[str, Any]:
        voice = {**self._file("voice"), "duration": duration, "mime_type": "audio/ogg"}
        return self._update("message", self._from_user(user_id, language_code, voice=voice))

    def document_update(self, user_id: int, file_name: str = "attestation.pdf", caption: str | None = None,
                        language_code: str | None = "fr") -> dict[str, Any]:
        document = {**self._file("document"), "file_name": file_name, "mime_type": "application/pdf"}
        return self._update("message", self._from_user(user_id, language_code, document=document, caption=caption))

    def edited_message_update(self, user_id: int, text: str, language_code: str | None = "fr") -> dict[str, Any]:
        """An edit of the resident's latest text message."""
        original = self._messages.get((user_id, self._last_user_text.get(user_id, 0)))
        if original is None:
            original = self._from_user(user_id, language_code, text=text)
        edited = {**original, "text": text, "edit_date": int(time.time())}
        edited.pop("entities", None)
        return self._update("edited_message", edited)

    def group_message_update(self, user_id: int, text: str, chat_id: int = -1001234567890,
                             title: str = "Entraide Nantes", language_code: str | None = "fr") -> dict[str, Any]:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        return self._update("message", self._from_user(user_id, language_code, chat_id, title=title, text=text))
