console.log("npm start: the local stack is not built yet (see the local-stack issue).");
