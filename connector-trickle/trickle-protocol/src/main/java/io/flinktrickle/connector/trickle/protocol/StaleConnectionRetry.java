package io.flinktrickle.connector.trickle.protocol;

import org.apache.hc.client5.http.HttpRequestRetryStrategy;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.util.TimeValue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;

/**
 * {@link BlockingGets}' retries: a GET once when a connection failed before any answer, unless it
 * failed to open: the server had closed a pooled connection (the JDK client retries then too).
 * Never retries an answer, a cancelled request or a refused connection.
 */
final class StaleConnectionRetry implements HttpRequestRetryStrategy {
    @Override
    public boolean retryRequest(
            HttpRequest request, IOException failure, int execCount, HttpContext context) {
        if (execCount > 1
                || (request instanceof HttpUriRequestBase
                        && ((HttpUriRequestBase) request).isCancelled())) {
            return false;
        }
        return failure instanceof NoHttpResponseException
                || (failure instanceof SocketException
                        && !(failure instanceof ConnectException)
                        && !(failure instanceof NoRouteToHostException));
    }

    @Override
    public boolean retryRequest(HttpResponse response, int execCount, HttpContext context) {
        return false;
    }

    @Override
    public TimeValue getRetryInterval(HttpResponse response, int execCount, HttpContext context) {
        return TimeValue.ZERO_MILLISECONDS;
    }
}
