"""The public response models of replicate_async: frozen attrs classes, with no I/O."""

from .account import Account
from .collections import Collection, CollectionSummary
from .deployments import AccountRef, Deployment, DeploymentConfiguration, DeploymentRelease
from .events import DoneEvent, ErrorEvent, LogsEvent, OutputEvent, StreamEvent, UnknownEvent
from .files import File, FileChecksums, FileURLs
from .hardware import Hardware
from .models import Model, ModelVersion
from .pages import Page
from .predictions import (
    TERMINAL_STATUSES,
    Prediction,
    PredictionMetrics,
    PredictionStatus,
    PredictionURLs,
    Progress,
)
from .trainings import Training, TrainingOutput
from .webhooks import VerifiedWebhook, WebhookSecret

__all__ = [
    "TERMINAL_STATUSES",
    "Account",
    "AccountRef",
    "Collection",
    "CollectionSummary",
    "Deployment",
    "DeploymentConfiguration",
    "DeploymentRelease",
    "DoneEvent",
    "ErrorEvent",
    "File",
    "FileChecksums",
    "FileURLs",
    "Hardware",
    "LogsEvent",
    "Model",
    "ModelVersion",
    "OutputEvent",
    "Page",
    "Prediction",
    "PredictionMetrics",
    "PredictionStatus",
    "PredictionURLs",
    "Progress",
    "StreamEvent",
    "Training",
    "TrainingOutput",
    "UnknownEvent",
    "VerifiedWebhook",
    "WebhookSecret",
]
