using System.Diagnostics.Metrics;
using Timely.Communication.Diagnostics;

namespace Timely.Communication.Tests;

[Collection(MeterCollection.Name)]
public sealed class MetricsTests
{
    [Fact]
    public void The_meter_reports_each_workers_messages()
    {
        const int perPeer = 100;
        var observed = WorkerRun.RunOk(Config.Process(2), allocator =>
        {
            var (senders, receiver) = allocator.Allocate<string>(0);
            foreach (var s in senders)
            {
                for (int i = 0; i < perPeer; i++)
                {
                    string? m = "x";
                    s.Push(ref m);
                }

                s.Done();
            }

            WorkerRun.ReceiveExactly(allocator, receiver, perPeer * 2, _ => { });

            var counters = ((ProcessAllocator)allocator).Counters;
            Assert.Equal(perPeer * 2, counters.MessagesSent);
            Assert.Equal(perPeer * 2, counters.MessagesReceived);

            // The same figure through the Meter, as dotnet-counters would see it.
            long fromMeter = -1;
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == CommunicationMetrics.MeterName && instrument.Name == "timely.messages.sent")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "timely.worker" && (int)tag.Value! == allocator.Index)
                    {
                        fromMeter = value;
                    }
                }
            });
            listener.Start();
            listener.RecordObservableInstruments();
            return fromMeter;
        });

        Assert.All(observed, v => Assert.Equal(perPeer * 2, v));
    }
}
