"""The drug-market model: ``DrugMarketModel`` and ``simulate``."""


def __getattr__(name):
    # imported lazily so that light modules (params, scenario) load without numba compiling
    if name == "DrugMarketModel":
        from model.model import DrugMarketModel
        return DrugMarketModel
    if name == "simulate":
        from model.run import simulate
        return simulate
    raise AttributeError(name)


__all__ = ["DrugMarketModel", "simulate"]
