"""geoplatform.indicators: evaluation indicators (考核指标) of the case loop, API and layers."""
