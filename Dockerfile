# LSTM Lab: the same app `make run` serves, in a slim Python 3.11 image running as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    LSTMLAB_DATA_DIR=/home/lab/lab-data

RUN useradd --create-home --uid 10001 lab
WORKDIR /home/lab/app

COPY requirements.txt requirements-forecasting.txt ./
# As `make run`: the statistical baselines without pip's resolver (see requirements-forecasting.txt).
RUN pip install --no-cache-dir -r requirements.txt \
    && pip install --no-cache-dir --no-deps -r requirements-forecasting.txt

COPY --chown=lab:lab app ./app
COPY --chown=lab:lab models ./models
COPY --chown=lab:lab data ./data
COPY --chown=lab:lab .streamlit ./.streamlit

USER 10001
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health').status != 200)"]

# Same entry point as `make run`; inside a container the server must listen beyond loopback.
CMD ["streamlit", "run", "app/streamlit_app.py", "--server.port", "8501", "--server.address", "0.0.0.0"]
