using Timely.Dataflow.Channels;
using Timely.Dataflow.Progress;

namespace Timely.Dataflow;

/// <summary>
/// A stream of records of type <typeparamref name="TData"/> with timestamps
/// <typeparamref name="T"/>: one operator output, which any number of operator inputs may
/// read (timely's <c>StreamCore</c>).
/// </summary>
public sealed class Stream<T, TData>
{
    // Design: a handle used on the worker thread that builds the dataflow; connecting it registers
    // edges and channels in that worker's scope.
    private readonly OutputTee<T, TData> _tee;

    internal Stream(Scope<T> scope, Location source, OutputTee<T, TData> tee)
    {
        Scope = scope;
        Source = source;
        _tee = tee;
    }

    /// <summary>The dataflow this stream belongs to.</summary>
    public Scope<T> Scope { get; }

    /// <summary>The output port that produces the stream.</summary>
    public Location Source { get; }

    /// <summary>
    /// Connects this stream to input <paramref name="port"/> of operator <paramref name="node"/>
    /// under <paramref name="pact"/>: registers the edge for progress tracking and returns the
    /// receiving end of the channel.
    /// </summary>
    internal Communication.IPull<Message<T, TData>> ConnectTo(int node, int port, Pact<TData> pact)
    {
        Scope.AddEdge(Source, Location.Target(node, port));
        var log = Scope.Logger;
        int logChannel = Logging.DataflowLog.Channel<TData>(log, Scope.Worker, Scope.DataflowIndex, Source.Node, Source.Port, node, port);
        if (pact.Hash is null || Scope.Peers == 1)
        {
            // One worker: an exchange is a pipeline. The channel id is still taken so that ids
            // stay aligned with runs where it is not.
            if (pact.Hash is not null)
            {
                Scope.Worker.NextChannelId();
            }

            var channel = new PipelineChannel<T, TData>(Scope.Activations, node, Scope.Worker.EmptyMessages<T, TData>());
            _tee.Add(Logging.DataflowLog.Push(log, logChannel, Scope.Index, Scope.Index, channel));
            return Logging.DataflowLog.Pull(log, logChannel, Scope.Index, channel);
        }

        int id = Scope.Worker.NextChannelId();
        DataflowCodecs.EnsureMessage<T, TData>();
        var pool = Scope.Worker.EmptyMessages<T, TData>();
        var (senders, receiver) = Scope.Worker.Allocator.Allocate<Message<T, TData>>(id, pool);
        _tee.Add(pact.Route!.CreatePusher(Logging.DataflowLog.Push(log, logChannel, Scope.Index, senders), pool));
        Scope.Worker.RegisterChannel(id, Scope.Activations, node);
        return Logging.DataflowLog.Pull(log, logChannel, Scope.Index, receiver);
    }
}
