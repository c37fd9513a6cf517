using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Operators;

namespace Timely.PropTests.Capture;

/// <summary>
/// Random input scripts on 1-3 workers, each worker capturing the natural way
/// (<c>using var writer = new EventWriter(File.Create(path))</c> inside the worker closure, the
/// writer disposed before the worker steps the dataflow to completion): every file is complete
/// and closed, reads back equal to what a <see cref="CaptureQueue{T, TData}"/> captured from the
/// same stream, and all files extract to what the scripts sent.
/// </summary>
public sealed class CaptureEndProperties : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timely-capture-end-prop-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Arbitrary<((int Kind, int Value)[][] Scripts, bool Exchange)> Cases() =>
        Gen.Zip(
                Gen.Choose(1, 3).SelectMany(k => CaptureReplayProperties.Action.ArrayOf().Select(a => a.Take(30).ToArray()).ArrayOf(k)),
                Generators.Bool)
            .ToArbitrary();

    [Property(MaxTest = 20)]
    public Property Files_written_with_using_inside_the_closure_read_back_equal_to_the_captured_events()
    {
        int run = 0;
        return Prop.ForAll(Cases(), c =>
        {
            string dir = Path.Combine(_dir, $"{run++}");
            Directory.CreateDirectory(dir);
            var queues = Execute.Run(CaptureReplayProperties.Workers(c.Scripts.Length), worker =>
            {
                using var writer = new EventWriter<ulong, int>(File.Create(Path.Combine(dir, $"{worker.Index}.bin")));
                var input = new InputHandle<ulong, int>();
                var queue = worker.Dataflow<ulong, CaptureQueue<ulong, int>>(scope =>
                {
                    var stream = scope.InputFrom(input);
                    stream = c.Exchange ? stream.Exchange(v => (ulong)(uint)v) : stream;
                    stream.CaptureInto(writer);
                    return stream.Capture();
                });
                CaptureReplayProperties.RunScript(worker, input, c.Scripts[worker.Index]);
                return queue;
            });

            var read = new List<Event<ulong, int>>();
            for (int w = 0; w < queues.Length; w++)
            {
                var events = CaptureFiles.ReadChecked<ulong, int>(Path.Combine(dir, $"{w}.bin"));
                Assert.Equal(queues[w].Drain(), events);
                read.AddRange(events);
            }

            Assert.Equal(
                CaptureReplayProperties.Expected(c.Scripts).ToDebugLines(),
                read.Extract().ToDebugLines());
        });
    }
}
