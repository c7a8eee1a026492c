"""Conversations (inquiries): per-conversation state in the stream and its verdicts.

`messages` describes a conversation message (scoring process), `context` judges a reply
by its position, `table` keeps open conversations per partition, `verdict` scores a
closed one, `changelog` restores state, and `stage` ties them to the service's batches.
"""
