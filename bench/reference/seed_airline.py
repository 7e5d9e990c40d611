# The seed article's airline-passengers forecaster, changed only as far as current Keras requires:
# an Input layer instead of input_shape=, the bundled CSV instead of the wget'ed file (which had three
# footer lines, hence skipfooter=3 there), and no plotting. Prints fit seconds and the RMSEs, then the
# same figures as one JSON line for bench/airline_vs_reference.py.
# Usage: python bench/reference/seed_airline.py [epochs]
import json
import math
import sys
import time
from pathlib import Path

import numpy
from keras.layers import LSTM, Dense, Input
from keras.models import Sequential
from pandas import read_csv
from sklearn.metrics import mean_squared_error
from sklearn.preprocessing import MinMaxScaler

CSV = Path(__file__).resolve().parents[2] / "data" / "airline-passengers.csv"
EPOCHS = int(sys.argv[1]) if len(sys.argv) > 1 else 100


# convert an array of values into a dataset matrix
def create_dataset(dataset, look_back=1):
    dataX, dataY = [], []
    for i in range(len(dataset) - look_back - 1):
        a = dataset[i:(i + look_back), 0]
        dataX.append(a)
        dataY.append(dataset[i + look_back, 0])
    return numpy.array(dataX), numpy.array(dataY)


def main():
    # fix random seed for reproducibility
    numpy.random.seed(7)
    # load the dataset
    dataframe = read_csv(CSV, usecols=[1], engine='python')
    dataset = dataframe.values
    dataset = dataset.astype('float32')
    # normalize the dataset
    scaler = MinMaxScaler(feature_range=(0, 1))
    dataset = scaler.fit_transform(dataset)
    # split into train and test sets
    train_size = int(len(dataset) * 0.67)
    train, test = dataset[0:train_size, :], dataset[train_size:len(dataset), :]
    # reshape into X=t and Y=t+1
    look_back = 1
    trainX, trainY = create_dataset(train, look_back)
    testX, testY = create_dataset(test, look_back)
    # reshape input to be [samples, time steps, features]
    trainX = numpy.reshape(trainX, (trainX.shape[0], 1, trainX.shape[1]))
    testX = numpy.reshape(testX, (testX.shape[0], 1, testX.shape[1]))
    # create and fit the LSTM network
    model = Sequential()
    model.add(Input(shape=(1, look_back)))
    model.add(LSTM(4))
    model.add(Dense(1))
    model.compile(loss='mean_squared_error', optimizer='adam')
    started = time.perf_counter()
    model.fit(trainX, trainY, epochs=EPOCHS, batch_size=1, verbose=0)
    fit_seconds = time.perf_counter() - started
    # make predictions
    trainPredict = model.predict(trainX, verbose=0)
    testPredict = model.predict(testX, verbose=0)
    # invert predictions
    trainPredict = scaler.inverse_transform(trainPredict)
    trainY = scaler.inverse_transform([trainY])
    testPredict = scaler.inverse_transform(testPredict)
    testY = scaler.inverse_transform([testY])
    # calculate root mean squared error
    trainScore = math.sqrt(mean_squared_error(trainY[0], trainPredict[:, 0]))
    print('Train Score: %.2f RMSE' % (trainScore))
    testScore = math.sqrt(mean_squared_error(testY[0], testPredict[:, 0]))
    print('Test Score: %.2f RMSE' % (testScore))
    print('Fit seconds: %.3f' % fit_seconds)
    print(json.dumps({'fit_seconds': fit_seconds, 'train_rmse': trainScore, 'test_rmse': testScore,
                      'n_test_targets': int(testY.shape[1]), 'epochs': EPOCHS}))
    return fit_seconds, trainScore, testScore


if __name__ == '__main__':
    main()
