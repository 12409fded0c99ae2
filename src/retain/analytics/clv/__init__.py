"""Customer lifetime value with the "buy 'til you die" models, fitted by maximum likelihood.

Purchase models (repeat purchases of non-contractual customers): BG/NBD (``bgnbd``),
Pareto/NBD (``paretonbd``), MBG/NBD (``mbgnbd``); spend per transaction: Gamma-Gamma
(``gammagamma``); contractual retention: shifted-beta-geometric (``sbg``). ``data``
turns transactions into the per-customer summary, ``predictions`` combines fitted
models into expected purchases, P(alive), expected spend and lifetime value. docs/clv.md
says which model to use when.
"""

from retain.analytics.clv.bgnbd import (
    BgNbdParameters,
    bgnbd_expected_purchases,
    bgnbd_log_likelihood,
    bgnbd_log_likelihood_gradient,
    bgnbd_probability_alive,
    fit_bgnbd,
)
from retain.analytics.clv.data import (
    CustomerSummary,
    TimeUnit,
    periods_per_year,
    summarise_transactions,
)
from retain.analytics.clv.fitting import FitFailed, ModelFit
from retain.analytics.clv.gammagamma import (
    GammaGammaParameters,
    fit_gammagamma,
    gammagamma_expected_spend,
    gammagamma_log_likelihood,
    gammagamma_log_likelihood_gradient,
    gammagamma_population_mean_spend,
)
from retain.analytics.clv.mbgnbd import (
    MbgNbdParameters,
    fit_mbgnbd,
    mbgnbd_expected_purchases,
    mbgnbd_log_likelihood,
    mbgnbd_log_likelihood_gradient,
    mbgnbd_probability_alive,
)
from retain.analytics.clv.paretonbd import (
    ParetoNbdParameters,
    fit_paretonbd,
    paretonbd_expected_purchases,
    paretonbd_log_likelihood,
    paretonbd_log_likelihood_gradient,
    paretonbd_probability_alive,
)
from retain.analytics.clv.predictions import (
    PURCHASE_MODELS,
    CustomerPredictions,
    PurchaseModel,
    PurchaseParameters,
    discounted_expected_purchases,
    expected_purchases,
    fit_purchase_model,
    predict_customers,
    probability_alive,
)
from retain.analytics.clv.sbg import (
    SbgParameters,
    fit_sbg,
    sbg_log_likelihood,
    sbg_log_likelihood_gradient,
    sbg_retention_rates,
    sbg_survival,
)

__all__ = [
    "PURCHASE_MODELS",
    "BgNbdParameters",
    "CustomerPredictions",
    "CustomerSummary",
    "FitFailed",
    "GammaGammaParameters",
    "MbgNbdParameters",
    "ModelFit",
    "ParetoNbdParameters",
    "PurchaseModel",
    "PurchaseParameters",
    "SbgParameters",
    "TimeUnit",
    "bgnbd_expected_purchases",
    "bgnbd_log_likelihood",
    "bgnbd_log_likelihood_gradient",
    "bgnbd_probability_alive",
    "discounted_expected_purchases",
    "expected_purchases",
    "fit_bgnbd",
    "fit_gammagamma",
    "fit_mbgnbd",
    "fit_paretonbd",
    "fit_purchase_model",
    "fit_sbg",
    "gammagamma_expected_spend",
    "gammagamma_log_likelihood",
    "gammagamma_log_likelihood_gradient",
    "gammagamma_population_mean_spend",
    "mbgnbd_expected_purchases",
    "mbgnbd_log_likelihood",
    "mbgnbd_log_likelihood_gradient",
    "mbgnbd_probability_alive",
    "paretonbd_expected_purchases",
    "paretonbd_log_likelihood",
    "paretonbd_log_likelihood_gradient",
    "paretonbd_probability_alive",
    "periods_per_year",
    "predict_customers",
    "probability_alive",
    "sbg_log_likelihood",
    "sbg_log_likelihood_gradient",
    "sbg_retention_rates",
    "sbg_survival",
    "summarise_transactions",
]
