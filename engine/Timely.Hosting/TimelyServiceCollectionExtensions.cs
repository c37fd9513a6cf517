using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Timely.Dataflow;

namespace Timely.Hosting;

/// <summary>
/// <c>services.AddTimely(...)</c>: a Timely job as a hosted service of a .NET generic host.
/// </summary>
public static class TimelyServiceCollectionExtensions
{
    /// <summary>
    /// Runs <typeparamref name="TJob"/> (resolved as a singleton) on the workers that the
    /// <c>Timely</c> configuration section describes (<see cref="TimelyOptions"/>), as a hosted
    /// service: it starts with the host, stops when the host stops (SIGTERM, Ctrl+C) within
    /// <see cref="TimelyOptions.StopTimeout"/>, and logs through the host's <c>ILogger</c>.
    /// Invalid options stop the host's start with an <see cref="OptionsValidationException"/>
    /// naming the setting.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Applied after the configuration section, to set options in code.</param>
    public static IServiceCollection AddTimely<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TJob>(
        this IServiceCollection services, Action<TimelyOptions>? configure = null)
        where TJob : class, ITimelyJob
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<ITimelyJob, TJob>();
        return AddCore(services, configure);
    }

    /// <summary>
    /// As <see cref="AddTimely{TJob}"/>, with the job as a delegate that gets each worker and the
    /// service provider.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="job">Builds each worker's dataflows, on that worker's thread.</param>
    /// <param name="configure">Applied after the configuration section, to set options in code.</param>
    public static IServiceCollection AddTimely(this IServiceCollection services, Action<Worker, IServiceProvider> job, Action<TimelyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(job);
        services.TryAddSingleton<ITimelyJob>(provider => new DelegateJob(job, provider));
        return AddCore(services, configure);
    }

    private static IServiceCollection AddCore(IServiceCollection services, Action<TimelyOptions>? configure)
    {
        var options = services.AddOptions<TimelyOptions>().BindConfiguration(TimelyOptions.SectionName).ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TimelyOptions>, TimelyOptionsValidator>());
        services.AddHostedService<TimelyHostedService>();
        return services;
    }
}
