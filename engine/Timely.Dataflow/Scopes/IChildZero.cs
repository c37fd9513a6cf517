using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Scopes;

/// <summary>
/// What a scope's runtime needs to know about child zero, the scope's boundary with the scope
/// around it (timely's convention: node 0 of a subgraph stands for the parent, its outputs are the
/// scope's inputs and its inputs the scope's outputs). A nested scope supplies
/// <see cref="ChildZero{TOuter, TInner}"/>; a dataflow's root scope has no parent and supplies
/// <see cref="NoChildZero{T}"/>, whose node 0 is an ordinary operator.
/// </summary>
/// <remarks>
/// Implemented by structs and taken as a type argument (<see cref="ScopeRuntime{T, TChildZero}"/>),
/// so the JIT compiles the runtime once per kind of scope: at the root every member below is a
/// constant and the checks fold away, inside a nested scope they are direct calls. Neither pays an
/// interface call per progress update or a test of which kind of scope it is.
/// </remarks>
internal interface IChildZero<T>
{
    /// <summary>Whether <paramref name="node"/> is child zero.</summary>
    bool IsChildZero(int node);

    /// <summary>
    /// Whether the parent derives this scope's capabilities from its pointstamp changes (timely's
    /// <c>output_capabilities</c>), so the tracker must record them.
    /// </summary>
    bool ReportsCapabilities { get; }

    /// <summary>
    /// An exchanged update at child zero: at an output port, records the parent's input has
    /// consumed; at an input port, records the parent's output has produced. Reported upward,
    /// never applied to this scope's tracker.
    /// </summary>
    void Intercept(Location location, T time, long diff);
}
