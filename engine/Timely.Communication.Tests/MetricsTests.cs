using System.Diagnostics.Metrics;
using Timely.Communication.Diagnostics;

namespace Timely.Communication.Tests;

[Collection(MeterCollection.Name)]
public sealed class MetricsTests
{
    private const int PerPeer = 100;

    [Fact]
    public void The_meter_reports_each_workers_messages()
    {
        var before = new[] { Read("timely.messages.sent", 0), Read("timely.messages.sent", 1) };
        var observed = WorkerRun.RunOk(Config.Process(2), allocator =>
        {
            Exchange(allocator);
            var counters = ((ProcessAllocator)allocator).Counters;
            Assert.Equal(PerPeer * 2, counters.MessagesSent);
            Assert.Equal(PerPeer * 2, counters.MessagesReceived);

            // The same figure through the Meter, as dotnet-counters would see it: the series of a
            // worker index counts every allocator of that index (other tests' too), so it holds
            // at least what this run's worker sent on top of what it held before.
            return Read("timely.messages.sent", allocator.Index);
        });

        Assert.All([0, 1], i => Assert.True(observed[i] >= Math.Max(before[i], 0) + PerPeer * 2, $"worker {i}: {observed[i]} after, {before[i]} before"));
    }

    [Fact]
    public void A_workers_series_keeps_its_count_after_the_worker_ends()
    {
        var during = WorkerRun.RunOk(Config.Process(2), allocator =>
        {
            Exchange(allocator);
            return (Sent: Read("timely.messages.sent", allocator.Index), Received: Read("timely.messages.received", allocator.Index));
        });

        // The allocators are gone; their counts stay in the series (a counter never goes down).
        for (int i = 0; i < 2; i++)
        {
            Assert.True(Read("timely.messages.sent", i) >= during[i].Sent, $"worker {i}: messages sent fell after the run ended");
            Assert.True(Read("timely.messages.received", i) >= during[i].Received, $"worker {i}: messages received fell after the run ended");
        }
    }

    [Fact]
    public void The_event_source_exists_once_an_allocator_has_run()
    {
        WorkerRun.RunOk(Config.Process(2), allocator => allocator.Index);
        Assert.Contains(System.Diagnostics.Tracing.EventSource.GetSources(), s => s.Name == "Timely-Communication");
    }

    private static void Exchange(Allocator allocator)
    {
        var (senders, receiver) = allocator.Allocate<string>(0);
        foreach (var s in senders)
        {
            for (int i = 0; i < PerPeer; i++)
            {
                string? m = "x";
                s.Push(ref m);
            }

            s.Done();
        }

        WorkerRun.ReceiveExactly(allocator, receiver, PerPeer * 2, _ => { });
    }

    /// <summary>The value of <paramref name="instrument"/>'s series for <paramref name="worker"/> now; -1 when there is none.</summary>
    private static long Read(string instrument, int worker)
    {
        long value = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (published, l) =>
        {
            if (published.Meter.Name == CommunicationMetrics.MeterName && published.Name == instrument)
            {
                l.EnableMeasurementEvents(published);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, v, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "timely.worker" && (int)tag.Value! == worker)
                {
                    value = v;
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }
}
