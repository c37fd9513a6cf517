using Timely.Communication;
using Timely.Communication.Logging;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Logging;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests.Logging;

public sealed class DataflowLoggingTests
{
    private const int Rounds = 5, PerRound = 40;

    /// <summary>Runs input -> exchange -> probe on <paramref name="config"/>'s workers with a "timely" logger; returns each worker's events.</summary>
    private static List<(TimeSpan Time, TimelyEvent Event)>[] RunLogged(Config config) =>
        Execute.Run(config, worker =>
        {
            var events = new List<(TimeSpan, TimelyEvent)>();
            worker.Log.Register<TimelyEvent>("timely", (_, batch) => events.AddRange(batch.ToArray()));
            var input = new InputHandle<ulong, ulong>();
            var probe = new ProbeHandle<ulong>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Exchange(x => x).ProbeWith(probe));
            for (ulong round = 0; round < Rounds; round++)
            {
                if (worker.Index == 0)
                {
                    for (ulong i = 0; i < PerRound; i++)
                    {
                        input.Send(i);
                    }
                }

                input.AdvanceTo(round + 1);
                worker.StepWhile(() => probe.LessThan(input.Time));
            }

            return events;   // filled further until the worker ends and closes its loggers
        });

    [Fact]
    public void Every_operator_and_channel_is_announced_and_every_operator_shuts_down()
    {
        foreach (var events in RunLogged(Config.Process(2)))
        {
            var operates = events.Where(e => e.Event.Kind == TimelyEventKind.Operates).Select(e => e.Event).ToList();
            Assert.Equal(["Dataflow", "Input", "Exchange", "Probe"], operates.Select(o => o.Name));
            Assert.Equal([0], operates[0].Address);
            Assert.Equal([0, 0], operates[1].Address);
            Assert.Equal(operates.Count, operates.Select(o => o.Id).Distinct().Count());
            var channels = events.Where(e => e.Event.Kind == TimelyEventKind.Channels).Select(e => e.Event).ToList();
            Assert.Equal(2, channels.Count);
            Assert.Equal((0, 0, 1, 0), (channels[0].Source, channels[0].SourcePort, channels[0].Target, channels[0].TargetPort));
            var shut = events.Where(e => e.Event.Kind == TimelyEventKind.Shutdown).Select(e => e.Event.Id).ToHashSet();
            Assert.True(shut.SetEquals(operates.Select(o => o.Id)), $"shut down: {string.Join(", ", shut)}");
        }
    }

    [Fact]
    public void Schedules_alternate_start_stop_per_operator_and_times_never_decrease()
    {
        foreach (var events in RunLogged(Config.Process(2)))
        {
            for (int i = 1; i < events.Count; i++)
            {
                Assert.True(events[i - 1].Time <= events[i].Time, $"event {i} at {events[i].Time} after {events[i - 1].Time}");
            }

            var running = -1;
            int starts = 0;
            foreach (var (_, e) in events.Where(e => e.Event.Kind == TimelyEventKind.Schedule))
            {
                if (e.Flag)
                {
                    Assert.Equal(-1, running);
                    running = e.Id;
                    starts++;
                }
                else
                {
                    Assert.Equal(running, e.Id);
                    running = -1;
                }
            }

            Assert.Equal(-1, running);
            Assert.True(starts >= Rounds, $"{starts} schedules");
        }
    }

    public static TheoryData<string> TwoWorkerConfigs => ["process", "process-binary"];

    /// <summary>On the byte allocator (<c>process-binary</c>) the receive side learns sender and number from the wire header, not from the in-memory stamp.</summary>
    [Theory]
    [MemberData(nameof(TwoWorkerConfigs))]
    public void Every_message_sent_is_received_once_with_its_records_and_progress_is_logged_both_ways(string config)
    {
        var all = RunLogged(config == "process" ? Config.Process(2) : Config.ProcessBinary(2)).SelectMany(e => e).Select(e => e.Event).ToList();
        var sends = all.Where(e => e.Kind == TimelyEventKind.Messages && e.Flag).ToList();
        var receives = all.Where(e => e.Kind == TimelyEventKind.Messages && !e.Flag).ToList();
        Assert.NotEmpty(sends);
        var key = (TimelyEvent e) => (e.Id, e.Source, e.Target, e.SeqNo, e.Count);
        Assert.Equal(sends.Select(key).Order(), receives.Select(key).Order());
        var exchange = all.First(e => e.Kind == TimelyEventKind.Channels && e.Source == 1).Id;
        Assert.Equal(Rounds * PerRound, sends.Where(e => e.Id == exchange).Sum(e => e.Count));

        var progressSent = all.Where(e => e.Kind == TimelyEventKind.Progress && e.Flag).ToList();
        var progressReceived = all.Where(e => e.Kind == TimelyEventKind.Progress && !e.Flag).ToList();
        Assert.NotEmpty(progressSent);
        Assert.Equal(2 * progressSent.Count, progressReceived.Count);   // every batch goes to both workers
    }

    [Fact]
    public void A_logger_registered_after_a_dataflow_is_built_does_not_see_that_dataflow()
    {
        var counts = Execute.Run(Config.Thread, worker =>
        {
            worker.Dataflow<ulong>(scope => new ulong[] { 1, 2, 3 }.ToStream(scope).Inspect(_ => { }));
            int schedules = 0;
            worker.Log.Register<TimelyEvent>("timely", (_, batch) =>
            {
                foreach (var (_, e) in batch)
                {
                    schedules += e.Kind == TimelyEventKind.Schedule ? 1 : 0;
                }
            });
            while (worker.Step())
            {
            }

            worker.Log.Flush();
            return schedules;
        });
        Assert.Equal([0], counts);
    }

    [Fact]
    public void The_communication_log_of_the_registry_sees_the_byte_allocators_messages()
    {
        var counts = Execute.Run(Config.ProcessBinary(2), worker =>
        {
            long sent = 0, received = 0;
            worker.Log.Register<CommunicationEvent>("timely/communication", (_, batch) =>
            {
                foreach (var (_, e) in batch)
                {
                    if (e.Kind == CommunicationEventKind.Message)
                    {
                        sent += e.Message.IsSend ? 1 : 0;
                        received += e.Message.IsSend ? 0 : 1;
                    }
                }
            });
            worker.Dataflow<ulong>(scope => Enumerable.Range(0, 100).Select(i => (ulong)i).ToStream(scope).Exchange(x => x).Inspect(_ => { }));
            while (worker.Step())
            {
            }

            worker.Log.Flush();
            return (sent, received);
        });
        Assert.Equal(counts.Sum(c => c.sent), counts.Sum(c => c.received));
        Assert.All(counts, c => Assert.True(c.sent > 0, $"{c.sent} sent"));
    }

    [Fact]
    public void A_log_stream_captured_through_a_writer_replays_into_another_dataflow()
    {
        // Worker side: the "timely" log into an EventWriter (bytes), as logging-send does over TCP.
        var bytes = Execute.Run(Config.Process(2), worker =>
        {
            var stream = new MemoryStream();
            var logger = new BatchLogger(worker.Index, new EventWriter<ulong, LogRecord>(stream, leaveOpen: true));
            worker.Log.Register<TimelyEvent>(BatchLogger.TimelyLogName, logger.Publish, logger.Close);
            worker.Dataflow<ulong>(scope => Enumerable.Range(0, 50).Select(i => (ulong)i).ToStream(scope).Exchange(x => x).Inspect(_ => { }));
            return stream;
        }).Select(s => s.ToArray()).ToArray();

        // Reader side: one dataflow on one worker replays both workers' logs.
        var replayed = Execute.Directly(worker =>
        {
            var seen = new List<LogRecord>();
            var readers = bytes.Select(b => (IEventIterator<ulong, LogRecord>)new EventReader<ulong, LogRecord>(new MemoryStream(b))).ToList();
            worker.Dataflow<ulong>(scope => readers.ReplayInto(scope).Inspect(seen.Add));
            return seen;
        });
        Assert.Equal([0, 1], replayed.Select(r => r.Worker).Distinct().Order());
        Assert.Equal(2 * 4, replayed.Count(r => r.Event.Kind == TimelyEventKind.Operates));
        Assert.Contains(replayed, r => r.Event.Kind == TimelyEventKind.Schedule && r.Event.Flag);
        Assert.Contains(replayed, r => r.Event.Kind == TimelyEventKind.Shutdown);
    }

    [Fact]
    public void Log_records_round_trip_through_their_codec_and_print_as_rust_debug()
    {
        var records = new[]
        {
            new LogRecord(TimeSpan.FromMilliseconds(1.5), 0, TimelyEvent.Operates(3, [0, 2], "Exchange")),
            new LogRecord(TimeSpan.FromTicks(17), 1, TimelyEvent.Channels(1, [0], 1, 0, 2, 0, "UInt64")),
            new LogRecord(TimeSpan.Zero, 0, TimelyEvent.Messages(true, 1, 0, 1, 7, 1024)),
            new LogRecord(TimeSpan.Zero, 0, TimelyEvent.Schedule(3, start: false)),
            new LogRecord(TimeSpan.Zero, 0, TimelyEvent.Park(TimeSpan.FromMilliseconds(100))),
            new LogRecord(TimeSpan.Zero, 0, TimelyEvent.Park(null)),
            new LogRecord(TimeSpan.Zero, 0, TimelyEvent.Unpark()),
            new LogRecord(TimeSpan.Zero, 0, TimelyEvent.Text("hi")),
            new LogRecord(TimeSpan.Zero, 0, TimelyEvent.Progress(false, 1, 0, 4, 6)),
            new LogRecord(TimeSpan.Zero, 0, TimelyEvent.PushProgress(2)),
            new LogRecord(TimeSpan.Zero, 0, TimelyEvent.Shutdown(2)),
        };
        foreach (var record in records)
        {
            var codec = LogRecordCodec.Instance;
            var buffer = new byte[codec.Measure(record)];
            Assert.Equal(buffer.Length, codec.Write(buffer, record));
            LogRecord back = default;
            Assert.Equal(buffer.Length, codec.Read(buffer, ref back));
            Assert.Equal(record, back);
        }

        Assert.Equal("(1.5ms, TimelySetup { index: 0 }, Operates(OperatesEvent { id: 3, addr: [0, 2], name: \"Exchange\" }))", records[0].ToString());
        Assert.Equal("Schedule(ScheduleEvent { id: 3, start_stop: Stop })", records[3].Event.ToString());
        // Rust's bincode of Schedule(ScheduleEvent { id: 3, start_stop: Stop }) at 0 s on worker 0.
        var schedule = new byte[LogRecordCodec.Instance.Measure(records[3])];
        LogRecordCodec.Instance.Write(schedule, records[3]);
        Assert.Equal("0000000000000000" + "00000000" + "0000000000000000" + "04000000" + "0300000000000000" + "01000000", Convert.ToHexString(schedule));
    }
}
