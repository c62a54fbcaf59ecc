'use strict';

// A local Serverless plugin. API Gateway serves a gateway response only from the
// next deployment of the API; Serverless's deployment does not wait for the ones
// in infra/resources/api.yml, so a first deploy would still answer unknown routes
// with a 403. This makes every deployment of the API depend on them.
class DeploymentAfterGatewayResponses {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.addDependencies(),
    };
  }

  addDependencies() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const responses = Object.keys(resources).filter(
      (id) => resources[id].Type === 'AWS::ApiGateway::GatewayResponse'
    );
    for (const resource of Object.values(resources)) {
      if (resource.Type === 'AWS::ApiGateway::Deployment') {
        const current = [].concat(resource.DependsOn || []);
        resource.DependsOn = [...new Set([...current, ...responses])];
      }
    }
  }
}

module.exports = DeploymentAfterGatewayResponses;
