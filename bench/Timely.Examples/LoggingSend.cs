using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Timely.Dataflow;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Logging;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>
/// timely's <c>logging-send</c>: each worker captures its <c>"timely"</c> log into a TCP connection to
/// <c>127.0.0.1:(PORT + worker)</c> while it runs the exchange workload (<see cref="LoggingRecv"/>
/// listens there).
/// </summary>
public static class LoggingSend
{
    /// <summary>
    /// One worker of the sending job: it connects to <c>127.0.0.1:(firstPort + index)</c> (retrying until
    /// <paramref name="wait"/> passes), logs into it through a <see cref="BatchLogger"/>, runs exchange
    /// <paramref name="batch"/> <paramref name="rounds"/>; returns its completion line.
    /// </summary>
    public static string Run(Worker worker, ulong batch, ulong rounds, int firstPort, TimeSpan wait)
    {
        var client = Connect(new IPEndPoint(IPAddress.Loopback, firstPort + worker.Index), wait);
        var logger = new BatchLogger(worker.Index, new EventWriter<ulong, LogRecord>(client.GetStream()));
        worker.Log.Register<TimelyEvent>(BatchLogger.TimelyLogName, logger.Publish, logger.Close);
        var input = new InputHandle<ulong, ulong>();
        var probe = new ProbeHandle<ulong>();
        worker.Dataflow<ulong>(scope => scope.InputFrom(input).Exchange(x => x).ProbeWith(probe));
        var clock = Stopwatch.StartNew();
        for (ulong round = 0; round < rounds; round++)
        {
            for (ulong i = 0; i < batch; i++)
            {
                input.Send(i);
            }

            input.AdvanceTo(round + 1);
            worker.StepWhile(() => probe.LessThan(input.Time));
        }

        return $"{RustDuration.Format(clock.Elapsed)}\tworker {worker.Index} complete";
    }

    private static TcpClient Connect(IPEndPoint endpoint, TimeSpan wait)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var client = new TcpClient { NoDelay = true };
            try
            {
                client.Connect(endpoint);
                return client;
            }
            catch (SocketException e) when (clock.Elapsed < wait)
            {
                client.Dispose();
                _ = e;
                Thread.Sleep(50);   // the receiver is not listening yet: retry, bounded by --wait
            }
            catch (SocketException e)
            {
                client.Dispose();
                throw new IOException($"logging-send: nothing listens on {endpoint} after {wait.TotalSeconds:0} s ({e.SocketErrorCode}); start `timely logging-recv` first", e);
            }
        }
    }
}
