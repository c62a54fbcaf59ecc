'use strict';

// A local Serverless plugin. Serverless v3 sets API Gateway's stage through the
// deployment (StageName) and applies X-Ray afterwards with SDK calls; it has no
// key for the stage's throttling. This writes `custom.apiStage` (serverless.yml)
// into each deployment's StageDescription, so CloudFormation applies the rate,
// the burst and tracing to every method of the stage with every deploy (each
// deploy is a new AWS::ApiGateway::Deployment), and the template says so.
class ApiStageSettings {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.setStage(),
    };
  }

  setStage() {
    const settings = (this.serverless.service.custom || {}).apiStage;
    if (!settings) return;
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const rate = Number(settings.throttlingRateLimit);
    const burst = Number(settings.throttlingBurstLimit);
    for (const resource of Object.values(resources)) {
      if (resource.Type !== 'AWS::ApiGateway::Deployment') continue;
      resource.Properties.StageDescription = {
        ...(resource.Properties.StageDescription || {}),
        ThrottlingRateLimit: rate,
        ThrottlingBurstLimit: burst,
        TracingEnabled: Boolean(settings.tracingEnabled),
        MethodSettings: [
          { HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst },
        ],
      };
    }
  }
}

module.exports = ApiStageSettings;
