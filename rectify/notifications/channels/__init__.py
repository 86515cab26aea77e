"""Reminders where people read them (SPEC §16): one channel port over the outbox, an adapter per provider.

E-mail stays the full 公文 digest (:mod:`rectify.notifications.mailer`); the adapters here speak plain HTTP
(``urllib``) to 企业微信 group robots and application messages, 钉钉 group robots (加签) and SMS through 阿里云 or
腾讯云. Every base URL can point at a 政务外网 deployment or a test fake; every secret comes from the environment.
"""
